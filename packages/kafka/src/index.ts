export { budgetwatchTopics, type TopicSpec } from './budgetwatch-topics.js';
export { consumerTiming } from './consumer-timing.js';
export { createKafka } from './create-kafka.js';
export { createProducer, PRODUCER_DEFAULTS } from './create-producer.js';
export { chunkBySize, type DeadLetter, DeadLetterHeader, deadLetterMessage } from './dead-letter.js';
export { describeKafkaConnection, kafkaClientOptions } from './kafka-client-options.js';
export { kafkajsLogCreator, kafkajsLogLevel } from './kafkajs-log-bridge.js';
export {
  isKafkajsNegativeTimeoutWarning,
  silenceKafkajsNegativeTimeoutWarnings,
} from './kafkajs-timer-warning.js';
export { LazyProducer } from './lazy-producer.js';
export { TimedOffsetCommitter } from './timed-offset-committer.js';
export { KafkaConnectionError, verifyKafka } from './verify-kafka.js';
