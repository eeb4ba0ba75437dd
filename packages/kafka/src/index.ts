export { budgetwatchTopics, type TopicSpec, topicConfigEntries } from './budgetwatch-topics.js';
export {
  type CompactedRecord,
  CompactedTopicFollower,
  type CompactedTopicFollowerOptions,
  FOLLOWER_FETCH_MAX_WAIT_MS,
  readCompactedTopic,
} from './compacted-topic-follower.js';
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
