import protobuf from 'protobufjs';

/**
 * One span of an OTLP TracesData as it is on the wire, with the bytes of its resource and scope.
 * Working span by span lets one bad span be set aside while the others of the same request or
 * record are kept, and lets good spans travel byte for byte (fields Budgetwatch does not read
 * included).
 */
export interface SpanUnit {
  /** The ResourceSpans fields other than its scope_spans, as they came; shared by its spans. */
  resource: Uint8Array;
  /** The ScopeSpans fields other than its spans, as they came; shared by its spans. */
  scope: Uint8Array;
  /** The Span message. */
  span: Uint8Array;
}

const LENGTH_DELIMITED = 2;
/** TracesData.resource_spans, ResourceSpans.scope_spans, ScopeSpans.spans. */
const RESOURCE_SPANS = 1;
const SCOPE_SPANS = 2;
const SPANS = 2;

interface WireField {
  field: number;
  /** The whole field, tag included, as it came. */
  raw: Uint8Array;
  /** A length-delimited field's payload. */
  payload: Uint8Array | null;
}

/** The top-level fields of a protobuf message; throws on bytes that are not protobuf. */
function fieldsOf(bytes: Uint8Array): WireField[] {
  const reader = protobuf.Reader.create(bytes);
  const fields: WireField[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    const wireType = tag & 7;
    let payload: Uint8Array | null = null;
    if (wireType === LENGTH_DELIMITED) payload = reader.bytes();
    else reader.skipType(wireType);
    fields.push({ field: tag >>> 3, raw: bytes.subarray(start, reader.pos), payload });
  }
  return fields;
}

/** The spans of a protobuf TracesData / ExportTraceServiceRequest; throws on malformed protobuf. */
export function protobufSpanUnits(bytes: Uint8Array): SpanUnit[] {
  const units: SpanUnit[] = [];
  for (const resourceSpans of fieldsOf(bytes)) {
    if (resourceSpans.field !== RESOURCE_SPANS || resourceSpans.payload === null) continue;
    const resourceFields = fieldsOf(resourceSpans.payload);
    const resource = concat(resourceFields.filter((field) => field.field !== SCOPE_SPANS).map((f) => f.raw));
    for (const scopeSpans of resourceFields) {
      if (scopeSpans.field !== SCOPE_SPANS || scopeSpans.payload === null) continue;
      const scopeFields = fieldsOf(scopeSpans.payload);
      const scope = concat(scopeFields.filter((field) => field.field !== SPANS).map((f) => f.raw));
      for (const span of scopeFields) {
        if (span.field === SPANS && span.payload !== null)
          units.push({ resource, scope, span: span.payload });
      }
    }
  }
  return units;
}

/** An upper bound of what a unit adds to a record: its span, and its resource and scope once. */
function unitBytes(unit: SpanUnit, sharesGroup: boolean): number {
  const span = unit.span.length + 11;
  return sharesGroup ? span : span + unit.resource.length + unit.scope.length + 22;
}

/**
 * TracesData records of at most `maxRecordBytes` holding `units` in order, each span with its
 * resource and scope. A unit too large for a record on its own is returned apart.
 */
export function spanUnitRecords(
  units: readonly SpanUnit[],
  maxRecordBytes: number,
): { records: Uint8Array[]; oversized: SpanUnit[] } {
  const records: Uint8Array[] = [];
  const oversized: SpanUnit[] = [];
  let current: SpanUnit[] = [];
  let size = 0;
  for (const unit of units) {
    if (unitBytes(unit, false) > maxRecordBytes) {
      oversized.push(unit);
      continue;
    }
    const previous = current.at(-1);
    const bytes = unitBytes(unit, previous?.resource === unit.resource && previous.scope === unit.scope);
    if (current.length > 0 && size + bytes > maxRecordBytes) {
      records.push(encodeSpanUnits(current));
      current = [];
      size = 0;
    }
    size += current.length === 0 ? unitBytes(unit, false) : bytes;
    current.push(unit);
  }
  if (current.length > 0) records.push(encodeSpanUnits(current));
  return { records, oversized };
}

/** One TracesData of `units`, consecutive units of one resource and scope sharing them. */
export function encodeSpanUnits(units: readonly SpanUnit[]): Uint8Array {
  const resources: Uint8Array[] = [];
  let index = 0;
  while (index < units.length) {
    const resource = (units[index] as SpanUnit).resource;
    const scopes: Uint8Array[] = [];
    while (index < units.length && (units[index] as SpanUnit).resource === resource) {
      const scope = (units[index] as SpanUnit).scope;
      const spans: Uint8Array[] = [];
      while (
        index < units.length &&
        (units[index] as SpanUnit).resource === resource &&
        (units[index] as SpanUnit).scope === scope
      ) {
        spans.push(field(SPANS, (units[index] as SpanUnit).span));
        index += 1;
      }
      scopes.push(field(SCOPE_SPANS, concat([scope, ...spans])));
    }
    resources.push(field(RESOURCE_SPANS, concat([resource, ...scopes])));
  }
  return concat(resources);
}

function field(number: number, payload: Uint8Array): Uint8Array {
  const header = protobuf.Writer.create()
    .uint32((number << 3) | LENGTH_DELIMITED)
    .uint32(payload.length)
    .finish();
  return concat([header, payload]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}
