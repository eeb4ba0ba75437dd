export { Evaluator, type EvaluatorMetrics, type EvaluatorOptions } from './evaluator.js';
export { type EventPublisher, KafkaEventPublisher } from './event-publisher.js';
export { RedisRuleStateStore } from './redis/redis-rule-state-store.js';
export type { Outbox, RuleStateStore, StoredRuleState } from './rule-state-store.js';
export { type CrsOptions, serverCrs } from './server-crs.js';
