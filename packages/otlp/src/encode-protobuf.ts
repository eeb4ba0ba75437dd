import { tracesDataType } from './traces-schema.js';

/**
 * Encodes an OTLP/JSON-shaped TracesData object (as `decodeJsonTraces` reads it) into protobuf
 * bytes, for the replay command and tests. Only the fields of Budgetwatch's schema are kept.
 */
export function encodeProtobufTracesFromJson(document: unknown): Uint8Array {
  const message = tracesDataType.fromObject(toProtobufObject(document) as Record<string, unknown>);
  return tracesDataType.encode(message).finish();
}

function toProtobufObject(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => toProtobufObject(item));
  if (typeof value !== 'object' || value === null) {
    if ((key === 'traceId' || key === 'spanId' || key === 'parentSpanId') && typeof value === 'string')
      return Buffer.from(value, 'hex');
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value)) out[field] = toProtobufObject(inner, field);
  return out;
}
