export {
  DecisionFolder,
  type DecisionFolderMetrics,
  type DecisionFolderOptions,
} from './decisions/decision-folder.js';
export { Evaluator, type EvaluatorOptions } from './evaluator.js';
export type { EvaluatorMetrics } from './evaluator-metrics.js';
export { type EventPublisher, KafkaEventPublisher } from './event-publisher.js';
export { type EventHistory, HistoryRecordingPublisher } from './history/event-history.js';
export { InMemoryEventHistory } from './history/in-memory-event-history.js';
export { RedisEventHistory } from './history/redis-event-history.js';
export { type EventSubscriber, InProcessEventBus } from './in-process-event-bus.js';
export { InMemoryRuleStateStore } from './memory/in-memory-rule-state-store.js';
export { RedisRuleStateStore } from './redis/redis-rule-state-store.js';
export type { Outbox, RuleStateStore, StoredRuleState } from './rule-state-store.js';
export { type CrsOptions, serverCrs } from './server-crs.js';
