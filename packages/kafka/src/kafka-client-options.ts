import { type KafkaConfig, type ReadPem, tlsConnectionOptions } from '@budgetwatch/config';
import type { KafkaConfig as KafkajsConfig, SASLOptions } from 'kafkajs';

/**
 * Translates Budgetwatch's Kafka settings into kafkajs options. Pure apart from `readPem`, so the
 * SASL/SSL plumbing is unit-tested without a broker.
 */
export function kafkaClientOptions(config: KafkaConfig, readPem: ReadPem): KafkajsConfig {
  const options: KafkajsConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
  };
  const ssl =
    config.ssl === undefined || !config.ssl.enabled
      ? undefined
      : tlsConnectionOptions(config.ssl, readPem, 'kafka.ssl');
  if (ssl !== undefined) options.ssl = ssl;
  if (config.sasl !== undefined) options.sasl = saslOptions(config.sasl);
  return options;
}

function saslOptions(sasl: NonNullable<KafkaConfig['sasl']>): SASLOptions {
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
}

/** What to log about a connection: where and how, never the password. */
export function describeKafkaConnection(config: KafkaConfig): Record<string, unknown> {
  return {
    brokers: config.brokers,
    clientId: config.clientId,
    ssl: config.ssl?.enabled === true,
    sasl: config.sasl === undefined ? 'none' : `${config.sasl.mechanism} as ${config.sasl.username}`,
  };
}
