export { type DecodeFailure, OtlpDecodeError } from './decode-error.js';
export { decodeJsonTraces } from './decode-json.js';
export { decodeProtobufTraces } from './decode-protobuf.js';
export {
  type DecodedRecord,
  decodeTraceRecord,
  decodeTraces,
  type UnreadableSpans,
} from './decode-traces.js';
export { detectEncoding, type OtlpEncoding } from './detect-encoding.js';
export { encodeProtobufTracesFromJson } from './encode-protobuf.js';
export {
  type ExportRecords,
  exportRecords,
  MAX_ATTRIBUTE_DEPTH,
  type RejectedSpanReason,
} from './export-records.js';
export { type Attributes, type AttributeValue, type OtlpSpan, SpanKind, StatusCode } from './otlp-span.js';
export type { SpanUnitFailure } from './span-unit-decoder.js';
export {
  TraceFileError,
  type TraceFileOptions,
  type TraceFileRecords,
  traceFileRecords,
} from './trace-file.js';
