import { readFileSync } from 'node:fs';
import type { KafkaConfig } from '@budgetwatch/config';
import type { Logger } from '@budgetwatch/logger';
import { Kafka } from 'kafkajs';
import { kafkaClientOptions } from './kafka-client-options.js';
import { kafkajsLogCreator, kafkajsLogLevel } from './kafkajs-log-bridge.js';

/** A kafkajs client for the configured cluster, logging through `logger`. */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  return new Kafka({
    ...kafkaClientOptions(config, (path) => readFileSync(path, 'utf8')),
    logCreator: kafkajsLogCreator(logger),
    logLevel: kafkajsLogLevel(logger),
  });
}
