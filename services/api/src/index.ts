export { crsRoutes } from './crs-routes.js';
export { dashboardRoutes } from './dashboard-routes.js';
export { healthRoutes, type ReadinessCheck } from './health-routes.js';
export {
  ApiError,
  type ApiRequest,
  type ApiResponse,
  HttpApi,
  type HttpApiOptions,
  type Route,
} from './http-api.js';
export { KafkaSpanRecordSink } from './kafka-span-record-sink.js';
export { metricsRoute } from './metrics-route.js';
export { operatorRoutes } from './operator-routes.js';
export {
  CRS_PAGE,
  type CrsPage,
  type EventNotifications,
  OperatorView,
  type OperatorViewOptions,
  type RuleReading,
  type RuleStateRow,
  SERIES_PAGE,
  type SeriesPage,
  type ServerStatus,
  type Sparkline,
  STATUS_PAGE,
  STATUS_PAGE_MAX_SERIES,
  type StatusPage,
  type StatusReport,
} from './operator-view.js';
export {
  emptyIntakeMetrics,
  type IntakeMetrics,
  type OtlpIntakeOptions,
  otlpIntakeRoutes,
  type SpanRecordSink,
} from './otlp-intake.js';
export type { PageLimits, PageRequest } from './paging.js';
export { silenceRoutes } from './silence-routes.js';
