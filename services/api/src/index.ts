export { crsRoutes } from './crs-routes.js';
export {
  ApiError,
  type ApiRequest,
  type ApiResponse,
  HttpApi,
  type HttpApiOptions,
  type Route,
} from './http-api.js';
export { KafkaSpanRecordSink } from './kafka-span-record-sink.js';
export {
  emptyIntakeMetrics,
  type IntakeMetrics,
  type OtlpIntakeOptions,
  otlpIntakeRoutes,
  type SpanRecordSink,
} from './otlp-intake.js';
export { silenceRoutes } from './silence-routes.js';
