import { type Kafka, Partitioners, type Producer, type ProducerConfig } from 'kafkajs';

/**
 * Every Budgetwatch producer: idempotent with one request in flight (ordered, retried duplicates
 * dropped by the broker), and the partitioner named, so keyed records land where the Java client
 * and the Collector put them (murmur2) and kafkajs has no default to warn about at start.
 */
export const PRODUCER_DEFAULTS: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
};

export function createProducer(kafka: Kafka, overrides: ProducerConfig = {}): Producer {
  return kafka.producer({ ...PRODUCER_DEFAULTS, ...overrides });
}
