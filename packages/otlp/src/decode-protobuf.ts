import { OtlpDecodeError } from './decode-error.js';
import type { Attributes, AttributeValue, OtlpSpan } from './otlp-span.js';
import { tracesDataType } from './traces-schema.js';

interface LongLike {
  low: number;
  high: number;
}
interface WireAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | LongLike;
  doubleValue?: number;
  arrayValue?: { values?: WireAnyValue[] } | null;
  kvlistValue?: { values?: WireKeyValue[] } | null;
  bytesValue?: Uint8Array;
  value?: string;
}
export interface WireKeyValue {
  key: string;
  value?: WireAnyValue | null;
}
export interface WireSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId?: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: number | LongLike;
  endTimeUnixNano: number | LongLike;
  attributes: WireKeyValue[];
  status?: { code: number } | null;
}
interface WireTracesData {
  resourceSpans: {
    resource?: { attributes: WireKeyValue[] } | null;
    scopeSpans: { spans: WireSpan[] }[];
  }[];
}

/**
 * Decodes one OTLP protobuf TracesData / ExportTraceServiceRequest into spans, all or nothing
 * (decodeProtobufTraceRecord keeps the good spans of a record with bad ones).
 */
export function decodeProtobufTraces(bytes: Uint8Array): OtlpSpan[] {
  let message: WireTracesData;
  try {
    message = tracesDataType.decode(bytes) as unknown as WireTracesData;
  } catch (error) {
    throw new OtlpDecodeError('invalid_protobuf', error instanceof Error ? error.message : String(error));
  }
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of message.resourceSpans) {
    const resource = toAttributes(resourceSpans.resource?.attributes ?? []);
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) spans.push(toOtlpSpan(span, resource));
    }
  }
  if (spans.length === 0) {
    // An empty export request encodes as zero bytes; non-empty bytes without a single span are
    // some other message whose fields protobuf skipped as unknown.
    throw new OtlpDecodeError('not_otlp_traces', 'the protobuf record holds no spans');
  }
  return spans;
}

/** A decoded wire span as Budgetwatch reads it, with its resource's attributes. */
export function toOtlpSpan(span: WireSpan, resource: Attributes): OtlpSpan {
  return {
    traceId: hex(span.traceId),
    spanId: hex(span.spanId),
    parentSpanId: hex(span.parentSpanId),
    name: span.name,
    kind: span.kind,
    startTimeMs: nanosToMillis(span.startTimeUnixNano),
    endTimeMs: nanosToMillis(span.endTimeUnixNano),
    statusCode: span.status?.code ?? 0,
    attributes: toAttributes(span.attributes),
    resource,
  };
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined || bytes.length === 0
    ? ''
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

function nanosToMillis(value: number | LongLike): number {
  if (typeof value === 'number') return value / 1e6;
  return ((value.high >>> 0) * 4294967296 + (value.low >>> 0)) / 1e6;
}

export function toAttributes(list: WireKeyValue[]): Attributes {
  const attributes: Record<string, AttributeValue> = {};
  for (const { key, value } of list) {
    if (value === undefined || value === null) continue;
    const converted = toValue(value);
    if (converted !== undefined) attributes[key] = converted;
  }
  return attributes;
}

function toValue(value: WireAnyValue): AttributeValue | undefined {
  switch (value.value) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'intValue': {
      const int = value.intValue ?? 0;
      return typeof int === 'number' ? int : (int.high | 0) * 4294967296 + (int.low >>> 0);
    }
    case 'doubleValue':
      return value.doubleValue ?? 0;
    case 'arrayValue':
      return (value.arrayValue?.values ?? [])
        .map(toValue)
        .filter((v): v is AttributeValue => v !== undefined);
    case 'kvlistValue':
      return { ...toAttributes(value.kvlistValue?.values ?? []) };
    case 'bytesValue':
      return Buffer.from(value.bytesValue ?? new Uint8Array()).toString('base64');
    default:
      return undefined;
  }
}
