export { type DecodeFailure, OtlpDecodeError } from './decode-error.js';
export { decodeJsonTraces } from './decode-json.js';
export { decodeProtobufTraces } from './decode-protobuf.js';
export { decodeTraces } from './decode-traces.js';
export { detectEncoding, type OtlpEncoding } from './detect-encoding.js';
export { encodeProtobufTracesFromJson } from './encode-protobuf.js';
export { type Attributes, type AttributeValue, type OtlpSpan, SpanKind, StatusCode } from './otlp-span.js';
export {
  TraceFileError,
  type TraceFileOptions,
  type TraceFileRecords,
  traceFileRecords,
} from './trace-file.js';
export { traceRecords } from './trace-records.js';
