import { OtlpDecodeError } from './decode-error.js';
import { decodeJsonTraces } from './decode-json.js';
import { decodeProtobufTraces } from './decode-protobuf.js';
import { detectEncoding } from './detect-encoding.js';
import type { OtlpSpan } from './otlp-span.js';

/**
 * Decodes one Kafka record holding an OTLP TracesData, in either encoding.
 * Throws OtlpDecodeError for anything that is not trace data.
 */
export function decodeTraces(bytes: Uint8Array | null | undefined, contentType?: string): OtlpSpan[] {
  if (bytes === null || bytes === undefined || bytes.length === 0) {
    throw new OtlpDecodeError('empty_record', 'the record has no value');
  }
  return detectEncoding(bytes, contentType) === 'otlp_json'
    ? decodeJsonTraces(bytes)
    : decodeProtobufTraces(bytes);
}
