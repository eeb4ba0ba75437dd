import { OtlpDecodeError } from './decode-error.js';
import { encodeProtobufTracesFromJson } from './encode-protobuf.js';
import { SpanUnitDecoder } from './span-unit-decoder.js';
import { protobufSpanUnits, type SpanUnit, spanUnitRecords } from './span-units.js';
import { tracesDataType } from './traces-schema.js';

/** Why the intake refused one span of an export it otherwise kept. */
export type RejectedSpanReason = 'attribute_nesting' | 'undecodable_span' | 'invalid_time' | 'span_too_large';

/** What an OTLP export request becomes: records to write, and the spans refused, by reason. */
export interface ExportRecords {
  records: Uint8Array[];
  acceptedSpans: number;
  rejectedSpans: number;
  rejections: Partial<Record<RejectedSpanReason, number>>;
  /** The first refusal, for OTLP's partial_success.error_message. */
  firstRejection: string | null;
}

/**
 * Attribute values nested deeper than this (arrays and key-value lists) are refused: protobuf
 * readers, Budgetwatch's included, stop at 100 messages of depth, about 48 such levels.
 */
export const MAX_ATTRIBUTE_DEPTH = 32;

/**
 * The span-topic records for one OTLP/HTTP export, each at most `maxRecordBytes`, built from what
 * can be written and read back: a span that cannot be (nested too deep, a time that is not a
 * number, larger than a record, unreadable) is refused on its own and the others are kept; text
 * with invalid UTF-8 or lone surrogates is repaired (U+FFFD), never refused. A protobuf request
 * that reads whole and fits is passed on byte for byte. Throws OtlpDecodeError for a payload that
 * is not OTLP trace data at all.
 */
export function exportRecords(
  bytes: Uint8Array,
  encoding: 'otlp_proto' | 'otlp_json',
  maxRecordBytes: number,
): ExportRecords {
  const result: ExportRecords = {
    records: [],
    acceptedSpans: 0,
    rejectedSpans: 0,
    rejections: {},
    firstRejection: null,
  };
  const reject = (reason: RejectedSpanReason, detail: string) => {
    result.rejectedSpans += 1;
    result.rejections[reason] = (result.rejections[reason] ?? 0) + 1;
    result.firstRejection ??= `${reason}: ${detail}`;
  };
  const units = encoding === 'otlp_json' ? jsonSpanUnits(bytes, reject) : protobufUnits(bytes, reject);
  // An export without spans (OTLP exporters send empty ones) writes nothing.
  if (units.spans.length === 0) return result;
  if (units.passThrough !== null && units.passThrough.length <= maxRecordBytes) {
    result.records = [units.passThrough];
    result.acceptedSpans = units.spans.length;
    return result;
  }
  const { records, oversized } = spanUnitRecords(units.spans, maxRecordBytes);
  for (const _unit of oversized) reject('span_too_large', `a span is larger than ${maxRecordBytes} bytes`);
  result.records = records;
  result.acceptedSpans = units.spans.length - oversized.length;
  return result;
}

interface Units {
  spans: SpanUnit[];
  /** The request itself, when every span read as it is and nothing was refused. */
  passThrough: Uint8Array | null;
}

function protobufUnits(
  bytes: Uint8Array,
  reject: (reason: RejectedSpanReason, detail: string) => void,
): Units {
  let units: SpanUnit[];
  try {
    units = protobufSpanUnits(bytes);
  } catch (error) {
    throw new OtlpDecodeError('invalid_protobuf', error instanceof Error ? error.message : String(error));
  }
  if (units.length === 0 && !readsAsTraces(bytes)) {
    throw new OtlpDecodeError('not_otlp_traces', 'the protobuf request is not trace data');
  }
  const decoder = new SpanUnitDecoder();
  const kept: SpanUnit[] = [];
  let untouched = true;
  for (const unit of units) {
    const decoded = decoder.decode(unit);
    if (!decoded.ok) {
      reject(decoded.reason, decoded.detail);
      untouched = false;
    } else if (decoded.repaired !== null) {
      kept.push({ ...unit, span: decoded.repaired });
      untouched = false;
    } else kept.push(unit);
  }
  return { spans: kept, passThrough: untouched ? bytes : null };
}

/** Whether bytes without spans are an (empty) TracesData rather than some other message. */
function readsAsTraces(bytes: Uint8Array): boolean {
  try {
    tracesDataType.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

type JsonObject = Record<string, unknown>;

function jsonSpanUnits(
  bytes: Uint8Array,
  reject: (reason: RejectedSpanReason, detail: string) => void,
): Units {
  let document: unknown;
  try {
    // Invalid UTF-8 bytes read as U+FFFD; lone surrogates in \u escapes are repaired below.
    document = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError('invalid_json', error instanceof Error ? error.message : String(error));
  }
  if (!isObject(document)) throw shape('expected an ExportTraceServiceRequest object');
  const kept: JsonObject[] = [];
  // An absent resourceSpans is an empty export, as OTLP/JSON omits empty fields.
  for (const resourceSpans of arrayOf(document.resourceSpans, 'resourceSpans')) {
    if (!isObject(resourceSpans)) throw shape('resourceSpans[] must be objects');
    const resourceAttributes = isObject(resourceSpans.resource)
      ? resourceSpans.resource.attributes
      : undefined;
    if (depthOf(resourceAttributes) > MAX_ATTRIBUTE_DEPTH) {
      throw shape(`resource attribute values nested deeper than ${MAX_ATTRIBUTE_DEPTH}`);
    }
    const resource = { attributes: wellFormed(resourceAttributes ?? []) };
    for (const scopeSpans of arrayOf(resourceSpans.scopeSpans, 'scopeSpans')) {
      if (!isObject(scopeSpans)) throw shape('scopeSpans[] must be objects');
      const spans: JsonObject[] = [];
      for (const span of arrayOf(scopeSpans.spans, 'spans')) {
        if (!isObject(span)) throw shape('spans[] must be objects');
        const refusal = refusalOf(span);
        if (refusal !== null) reject(refusal.reason, refusal.detail);
        else spans.push(wellFormed(readFields(span)) as JsonObject);
      }
      if (spans.length > 0) kept.push({ resource, scopeSpans: [{ spans }] });
    }
  }
  if (kept.length === 0) return { spans: [], passThrough: null };
  const units: SpanUnit[] = [];
  for (const resourceSpans of kept) {
    // Encoded one resource at a time, so one span's encoding failure costs only that span.
    for (const scope of resourceSpans.scopeSpans as JsonObject[]) {
      for (const span of scope.spans as JsonObject[]) {
        try {
          const record = encodeProtobufTracesFromJson({
            resourceSpans: [{ resource: resourceSpans.resource, scopeSpans: [{ ...scope, spans: [span] }] }],
          });
          units.push(...protobufSpanUnits(record));
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          reject(/max depth/.test(detail) ? 'attribute_nesting' : 'undecodable_span', detail);
        }
      }
    }
  }
  return { spans: shareGroups(units), passThrough: null };
}

/** Units encoded one by one carry equal but distinct resource and scope bytes: share them again. */
function shareGroups(units: readonly SpanUnit[]): SpanUnit[] {
  const shared = new Map<string, Uint8Array>();
  const canonical = (bytes: Uint8Array) => {
    const key = Buffer.from(bytes).toString('base64');
    const existing = shared.get(key);
    if (existing !== undefined) return existing;
    shared.set(key, bytes);
    return bytes;
  };
  return units.map((unit) => ({ ...unit, resource: canonical(unit.resource), scope: canonical(unit.scope) }));
}

/** The span fields Budgetwatch's schema keeps (the others would be dropped when encoded anyway). */
const SPAN_FIELDS = [
  'traceId',
  'spanId',
  'parentSpanId',
  'name',
  'kind',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'attributes',
  'status',
] as const;

function readFields(span: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const field of SPAN_FIELDS) if (span[field] !== undefined) out[field] = span[field];
  return out;
}

/** Why a JSON span can never be written, or null: times that are not numbers, nesting too deep. */
function refusalOf(span: JsonObject): { reason: RejectedSpanReason; detail: string } | null {
  for (const field of ['startTimeUnixNano', 'endTimeUnixNano']) {
    const value = span[field];
    const valid =
      value === undefined ||
      (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
      (typeof value === 'string' && /^\d{1,20}$/.test(value));
    if (!valid) return { reason: 'invalid_time', detail: `${field} is not a non-negative integer` };
  }
  if (depthOf(span.attributes) > MAX_ATTRIBUTE_DEPTH) {
    return {
      reason: 'attribute_nesting',
      detail: `attribute values nested deeper than ${MAX_ATTRIBUTE_DEPTH}`,
    };
  }
  return null;
}

/** How deep arrays and key-value lists nest in a list of OTLP/JSON attributes. */
function depthOf(attributes: unknown): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value: attributes, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (depth > deepest) deepest = depth;
    if (depth > MAX_ATTRIBUTE_DEPTH) return depth;
    if (Array.isArray(value)) for (const item of value) stack.push({ value: item, depth });
    else if (isObject(value)) {
      if (isObject(value.value)) stack.push({ value: value.value, depth });
      if (isObject(value.arrayValue)) stack.push({ value: value.arrayValue.values, depth: depth + 1 });
      if (isObject(value.kvlistValue)) stack.push({ value: value.kvlistValue.values, depth: depth + 1 });
    }
  }
  return deepest;
}

/** A copy with every string well-formed UTF-16 (a lone surrogate becomes U+FFFD). */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) out[key.toWellFormed()] = wellFormed(inner);
  return out;
}

function shape(detail: string): OtlpDecodeError {
  return new OtlpDecodeError('not_otlp_traces', detail);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw shape(`${field} must be an array`);
  return value;
}
