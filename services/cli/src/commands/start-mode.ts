import { type BudgetwatchConfig, ConfigError } from '@budgetwatch/config';

export type StartMode = 'embedded' | 'connected';

/**
 * What `start` runs on: Kafka and Redis, or neither (embedded). Half of each would split state
 * between two worlds, so it is a configuration error; `config check` asks the same question.
 */
export function startMode(config: BudgetwatchConfig): StartMode {
  if (config.kafka === undefined && config.redis === undefined) return 'embedded';
  if (config.kafka !== undefined && config.redis !== undefined) return 'connected';
  const missing = config.kafka === undefined ? 'KAFKA_BROKERS' : 'REDIS_URL';
  throw new ConfigError([
    {
      source: { kind: 'default' },
      path: config.kafka === undefined ? 'kafka.brokers' : 'redis.url',
      reason: `start runs on Kafka and Redis together, or on neither (embedded): set ${missing} too, or unset both`,
    },
  ]);
}
