import { encodeProtobufTracesFromJson } from './encode-protobuf.js';
import { tracesDataType } from './traces-schema.js';

interface ScopeSpans {
  spans?: unknown[];
  [field: string]: unknown;
}
interface ResourceSpans {
  scopeSpans?: ScopeSpans[];
  [field: string]: unknown;
}

/**
 * Kafka records (otlp_proto, as the Collector's kafka exporter writes them) for one OTLP request,
 * each at most `maxRecordBytes`: a protobuf request that fits is passed on byte for byte; a JSON
 * one is encoded; a bigger one is split between spans, keeping each span with its resource and
 * scope.
 */
export function traceRecords(
  bytes: Uint8Array,
  encoding: 'otlp_proto' | 'otlp_json',
  maxRecordBytes: number,
): Uint8Array[] {
  if (encoding === 'otlp_proto' && bytes.length <= maxRecordBytes) return [bytes];
  const document =
    encoding === 'otlp_json'
      ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as { resourceSpans?: ResourceSpans[] })
      : (tracesDataType.toObject(tracesDataType.decode(bytes), { bytes: String, longs: String }) as {
          resourceSpans?: ResourceSpans[];
        });
  const encode = (doc: unknown) =>
    encoding === 'otlp_json'
      ? encodeProtobufTracesFromJson(doc)
      : tracesDataType.encode(tracesDataType.fromObject(doc as object)).finish();
  const whole = encode(document);
  if (whole.length <= maxRecordBytes) return [whole];
  const spanCount = (document.resourceSpans ?? []).reduce(
    (sum, resource) =>
      sum + (resource.scopeSpans ?? []).reduce((n, scope) => n + (scope.spans?.length ?? 0), 0),
    0,
  );
  for (let parts = Math.ceil(whole.length / maxRecordBytes); parts <= spanCount; parts *= 2) {
    const records = splitDocument(document.resourceSpans ?? [], Math.ceil(spanCount / parts)).map(encode);
    if (records.every((record) => record.length <= maxRecordBytes)) return records;
  }
  throw new RangeError(`a single span is larger than ${maxRecordBytes} bytes`);
}

/** The spans in groups of at most `perPart`, each group a TracesData with their resources and scopes. */
function splitDocument(
  resources: readonly ResourceSpans[],
  perPart: number,
): { resourceSpans: ResourceSpans[] }[] {
  const parts: { resourceSpans: ResourceSpans[] }[] = [];
  let current: ResourceSpans[] = [];
  let count = 0;
  const flush = () => {
    if (count > 0) parts.push({ resourceSpans: current });
    current = [];
    count = 0;
  };
  for (const resource of resources) {
    for (const scope of resource.scopeSpans ?? []) {
      const spans = scope.spans ?? [];
      for (let start = 0; start < spans.length; ) {
        const take = Math.min(perPart - count, spans.length - start);
        current.push({ ...resource, scopeSpans: [{ ...scope, spans: spans.slice(start, start + take) }] });
        count += take;
        start += take;
        if (count >= perPart) flush();
      }
    }
  }
  flush();
  return parts;
}
