export type OtlpEncoding = 'otlp_proto' | 'otlp_json';

/**
 * The record's encoding: from its content-type header when present, else from its first
 * non-blank byte (`{` is JSON; protobuf TracesData starts with field 1's tag, 0x0A).
 */
export function detectEncoding(bytes: Uint8Array, contentType?: string): OtlpEncoding {
  if (contentType !== undefined && contentType !== '') {
    const type = contentType.toLowerCase();
    if (type.includes('json')) return 'otlp_json';
    if (type.includes('protobuf') || type.includes('proto')) return 'otlp_proto';
  }
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) {
      // Leading white space only makes sense for JSON; 0x0A is also protobuf's first tag.
      if (byte === 0x0a) return 'otlp_proto';
      continue;
    }
    return byte === 0x7b ? 'otlp_json' : 'otlp_proto';
  }
  return 'otlp_proto';
}
