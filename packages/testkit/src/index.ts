export { committedRecords, producedRecords } from './consumer-progress.js';
export { type EventLoopHolds, eventLoopHolds, holdsSummary, quantileOf } from './event-loop-holds.js';
export {
  budgetTransitionEvents,
  OWNED_RESPONDER,
  paymentsOnlyInventory,
} from './events/budget-transition-events.js';
export { createEventValidator, type EventValidator, eventSchemaFiles } from './events/event-schemas.js';
export { crsGateTransitionEvent, unregisteredServerAnnouncement } from './events/rollout-events.js';
export { freeLoopbackPort } from './free-port.js';
export { createTestTopic, type TestTopicOptions } from './kafka-topics.js';
export { kraftClusterId, renderBrokerProperties } from './local-kafka/broker-properties.js';
export { ensureKafkaJars, KAFKA_VERSION, type KafkaJars } from './local-kafka/kafka-jars.js';
export {
  type LocalKafka,
  type StartLocalKafkaOptions,
  startLocalKafka,
  stopLocalKafkaProcess,
} from './local-kafka/local-kafka-broker.js';
export {
  otlpJson,
  otlpProtobuf,
  recordToolCallSpans,
  type SpanConvention,
  type ToolCallSpanSpec,
  toolCallsRecord,
} from './otel/record-tool-call-spans.js';
export { residentMemoryMiB } from './process-memory.js';
export { DEFAULT_REDIS_URL, type EnsuredRedis, ensureRedis } from './redis/ensure-redis.js';
export { type PrivateRedis, type PrivateRedisOptions, startPrivateRedis } from './redis/private-redis.js';
export {
  type LocalRedisCluster,
  type RedisClusterOptions,
  startRedisCluster,
} from './redis/redis-cluster.js';
export { createRedisNamespace, type RedisNamespace, type RedisTarget } from './redis/redis-namespace.js';
export { MissingToolError, type ProcessResult, runProcess } from './run-process.js';
export { HOSTILE_NAMES, unsafeCharacters } from './text/hostile-names.js';
export { createThrowawayCertificates, type ThrowawayCertificates } from './tls/throwaway-certificates.js';
export { WaitAbortedError, type WaitForOptions, waitFor } from './wait-for.js';
