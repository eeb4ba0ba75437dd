import type { KafkaConfig } from '@budgetwatch/config';
import { createKafka, verifyKafka } from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import type { Kafka } from 'kafkajs';

/**
 * The configured Kafka client, once the cluster has answered with these credentials and holds
 * the topics the command uses.
 */
export async function connectedKafka(
  config: KafkaConfig,
  logger: Logger,
  topics: readonly string[] = [],
): Promise<Kafka> {
  const kafka = createKafka(config, logger);
  await verifyKafka(kafka, config.brokers, topics);
  return kafka;
}
