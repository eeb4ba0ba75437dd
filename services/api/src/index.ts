export { coverageRoutes } from './coverage-routes.js';
export { crsRoutes } from './crs-routes.js';
export { dashboardRoutes } from './dashboard-routes.js';
export { type DecisionControlOptions, decisionControlRoutes } from './decision-control-routes.js';
export { type DecisionSource, decisionRoutes } from './decision-routes.js';
export {
  DECISION_STREAM_DEFAULTS,
  DecisionStreams,
  type DecisionStreamsOptions,
} from './decision-streams.js';
export { FoldedDecisionSource } from './folded-decision-source.js';
export { healthRoutes, type ReadinessCheck } from './health-routes.js';
export {
  ApiError,
  type ApiRequest,
  type ApiResponse,
  HttpApi,
  type HttpApiOptions,
  type Route,
} from './http-api.js';
export { httpsServerOptions, type IntakeTls } from './intake-tls.js';
export { KafkaSpanRecordSink } from './kafka-span-record-sink.js';
export { metricsRoute } from './metrics-route.js';
export { operatorRoutes } from './operator-routes.js';
export {
  CRS_PAGE,
  type CrsPage,
  type EventNotifications,
  OperatorView,
  type OperatorViewOptions,
  type RuleHistoryChart,
  type RuleReading,
  type RuleStateRow,
  SERIES_PAGE,
  type SeriesHistory,
  type SeriesPage,
  type ServerStatus,
  type Sparkline,
  STATUS_PAGE,
  STATUS_PAGE_MAX_SERIES,
  type StatusPage,
  type StatusReport,
} from './operator-view.js';
export {
  OtlpGrpcIntake,
  type OtlpGrpcIntakeOptions,
  type OtlpSignal,
  otlpExportService,
} from './otlp-grpc-intake.js';
export { otlpIntakeRoutes } from './otlp-http-intake.js';
export {
  emptyIntakeMetrics,
  type IntakeAnswer,
  type IntakeMetrics,
  type OtlpIntakeOptions,
  OtlpTraceIntake,
  type SpanRecordSink,
} from './otlp-trace-intake.js';
export type { PageLimits, PageRequest } from './paging.js';
export { silenceRoutes } from './silence-routes.js';
export { type SlackInteractionOptions, slackInteractionRoutes } from './slack-interaction-routes.js';
export { SLACK_SIGNATURE_MAX_AGE_MS, slackSignature, slackSignatureProblem } from './slack-signature.js';
export { TopicDecisionSource } from './topic-decision-source.js';
