import { OtlpDecodeError } from './decode-error.js';
import { type Attributes, type AttributeValue, type OtlpSpan, SpanKind } from './otlp-span.js';

/**
 * Decodes one OTLP JSON TracesData (the OTLP/JSON mapping: lowerCamelCase keys, hex ids, integer
 * enums, 64-bit integers as decimal strings). Enum names and numeric times are accepted too, as
 * some emitters send them.
 */
export function decodeJsonTraces(bytes: Uint8Array): OtlpSpan[] {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError('invalid_json', error instanceof Error ? error.message : String(error));
  }
  if (!isObject(document) || !Array.isArray(document.resourceSpans)) {
    throw new OtlpDecodeError('not_otlp_traces', 'expected an object with a resourceSpans array');
  }

  const spans: OtlpSpan[] = [];
  for (const resourceSpans of document.resourceSpans) {
    if (!isObject(resourceSpans)) throw shape('resourceSpans[] must be objects');
    const resource = toAttributes(
      isObject(resourceSpans.resource) ? resourceSpans.resource.attributes : undefined,
    );
    for (const scopeSpans of arrayOf(resourceSpans.scopeSpans, 'scopeSpans')) {
      if (!isObject(scopeSpans)) throw shape('scopeSpans[] must be objects');
      for (const span of arrayOf(scopeSpans.spans, 'spans')) {
        if (!isObject(span)) throw shape('spans[] must be objects');
        spans.push({
          traceId: typeof span.traceId === 'string' ? span.traceId.toLowerCase() : '',
          spanId: typeof span.spanId === 'string' ? span.spanId.toLowerCase() : '',
          parentSpanId: typeof span.parentSpanId === 'string' ? span.parentSpanId.toLowerCase() : '',
          name: typeof span.name === 'string' ? span.name : '',
          kind: spanKind(span.kind),
          startTimeMs: nanosToMillis(span.startTimeUnixNano),
          endTimeMs: nanosToMillis(span.endTimeUnixNano),
          statusCode: isObject(span.status) ? statusCode(span.status.code) : 0,
          attributes: toAttributes(span.attributes),
          resource,
        });
      }
    }
  }
  return spans;
}

function shape(detail: string): OtlpDecodeError {
  return new OtlpDecodeError('not_otlp_traces', detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw shape(`${field} must be an array`);
  return value;
}

/** Missing or unreadable times become NaN, which span validation reports as invalid. */
function nanosToMillis(value: unknown): number {
  if (typeof value === 'number') return value / 1e6;
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    // Split to keep sub-millisecond digits without BigInt on the hot path.
    const cut = Math.max(0, value.length - 6);
    return Number(value.slice(0, cut) || '0') + Number(value.slice(cut)) / 1e6;
  }
  return Number.NaN;
}

const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: SpanKind.unspecified,
  SPAN_KIND_INTERNAL: SpanKind.internal,
  SPAN_KIND_SERVER: SpanKind.server,
  SPAN_KIND_CLIENT: SpanKind.client,
  SPAN_KIND_PRODUCER: SpanKind.producer,
  SPAN_KIND_CONSUMER: SpanKind.consumer,
};

function spanKind(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return KIND_NAMES[value] ?? SpanKind.unspecified;
  return SpanKind.unspecified;
}

const STATUS_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

function statusCode(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return STATUS_NAMES[value] ?? 0;
  return 0;
}

function toAttributes(list: unknown): Attributes {
  const attributes: Record<string, AttributeValue> = {};
  if (!Array.isArray(list)) return attributes;
  for (const entry of list) {
    if (!isObject(entry) || typeof entry.key !== 'string' || !isObject(entry.value)) continue;
    const value = toValue(entry.value);
    if (value !== undefined) attributes[entry.key] = value;
  }
  return attributes;
}

function toValue(value: Record<string, unknown>): AttributeValue | undefined {
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (typeof value.intValue === 'string' || typeof value.intValue === 'number') return Number(value.intValue);
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (typeof value.doubleValue === 'string') return Number(value.doubleValue);
  if (isObject(value.arrayValue)) {
    const values = Array.isArray(value.arrayValue.values) ? value.arrayValue.values : [];
    return values
      .filter(isObject)
      .map(toValue)
      .filter((v): v is AttributeValue => v !== undefined);
  }
  if (isObject(value.kvlistValue)) return { ...toAttributes(value.kvlistValue.values) };
  if (typeof value.bytesValue === 'string') return value.bytesValue;
  return undefined;
}
