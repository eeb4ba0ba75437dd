import { OtlpDecodeError } from './decode-error.js';
import { decodeJsonTraces } from './decode-json.js';
import { decodeProtobufTraces } from './decode-protobuf.js';
import { detectEncoding } from './detect-encoding.js';
import { encodeProtobufTracesFromJson } from './encode-protobuf.js';

export interface TraceFileOptions {
  /** Most spans per record written for JSON input (a JSON document is split by spans). */
  maxSpansPerRecord: number;
}

export interface TraceFileRecords {
  format: 'otlp_proto' | 'otlp_json' | 'otlp_json_lines';
  /** OTLP protobuf records, ready for the span topic. */
  records: Uint8Array[];
  spans: number;
}

/** A trace file that cannot be replayed, with where (JSON Lines line number) and why. */
export class TraceFileError extends Error {
  override readonly name = 'TraceFileError';
}

/**
 * The records a trace file becomes on the span topic. Accepted: one OTLP protobuf TracesData /
 * ExportTraceServiceRequest (sent unchanged), one OTLP JSON document, or JSON Lines of them as the
 * Collector's file exporter writes. JSON is re-encoded as protobuf, split into records of at most
 * `maxSpansPerRecord` spans; only the fields Budgetwatch reads are kept.
 */
export function traceFileRecords(bytes: Uint8Array, options: TraceFileOptions): TraceFileRecords {
  if (bytes.length === 0) throw new TraceFileError('the file is empty');
  if (detectEncoding(bytes) === 'otlp_proto') {
    const spans = decodeOrExplain(() => decodeProtobufTraces(bytes).length, 'the protobuf file');
    return { format: 'otlp_proto', records: [bytes], spans };
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  const whole = parseJson(text);
  const documents =
    whole === undefined
      ? text
          .split('\n')
          .map((line, index) => ({ line: line.trim(), number: index + 1 }))
          .filter(({ line }) => line !== '')
          .map(({ line, number }) => {
            const document = parseJson(line);
            if (document === undefined) throw new TraceFileError(`line ${number}: not valid JSON`);
            return { document, where: `line ${number}` };
          })
      : [{ document: whole, where: 'the JSON document' }];

  const records: Uint8Array[] = [];
  let spans = 0;
  for (const { document, where } of documents) {
    decodeOrExplain(() => decodeJsonTraces(Buffer.from(JSON.stringify(document))), where);
    for (const part of splitBySpans(document as TracesDocument, options.maxSpansPerRecord)) {
      records.push(encodeProtobufTracesFromJson(part.document));
      spans += part.spans;
    }
  }
  return { format: whole === undefined ? 'otlp_json_lines' : 'otlp_json', records, spans };
}

interface TracesDocument {
  resourceSpans: { scopeSpans?: { spans?: unknown[] }[] }[];
}

/** Splits an OTLP JSON document into documents of at most `max` spans, keeping resource and scope. */
function* splitBySpans(
  document: TracesDocument,
  max: number,
): Generator<{ document: TracesDocument; spans: number }> {
  let current: TracesDocument = { resourceSpans: [] };
  let count = 0;
  for (const resourceSpans of document.resourceSpans) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const spans = scopeSpans.spans ?? [];
      for (let start = 0; start < spans.length; ) {
        if (count === max) {
          yield { document: current, spans: count };
          current = { resourceSpans: [] };
          count = 0;
        }
        const take = spans.slice(start, start + (max - count));
        current.resourceSpans.push({ ...resourceSpans, scopeSpans: [{ ...scopeSpans, spans: take }] });
        count += take.length;
        start += take.length;
      }
    }
  }
  if (count > 0) yield { document: current, spans: count };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function decodeOrExplain<T>(decode: () => T, where: string): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw new TraceFileError(`${where}: ${error.message}`);
    throw error;
  }
}
