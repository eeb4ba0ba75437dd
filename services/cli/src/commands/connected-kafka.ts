import type { KafkaConfig } from '@budgetwatch/config';
import { createKafka, verifyKafka } from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import type { Kafka } from 'kafkajs';

/** The configured Kafka client, once the cluster has answered with these credentials. */
export async function connectedKafka(config: KafkaConfig, logger: Logger): Promise<Kafka> {
  const kafka = createKafka(config, logger);
  await verifyKafka(kafka, config.brokers);
  return kafka;
}
