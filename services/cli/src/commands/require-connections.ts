import { type BudgetwatchConfig, ConfigError } from '@budgetwatch/config';

export type Connection = 'kafka' | 'redis';

const NEEDS: Record<Connection, { name: string; variable: string; path: string }> = {
  kafka: { name: 'Kafka', variable: 'KAFKA_BROKERS', path: 'kafka.brokers' },
  redis: { name: 'Redis', variable: 'REDIS_URL', path: 'redis.url' },
};

type Connected<C extends Connection> = BudgetwatchConfig & { [K in C]-?: NonNullable<BudgetwatchConfig[K]> };

/**
 * The configuration, narrowed to one that names every connection `command` needs; otherwise a
 * configuration error (exit code 2) saying what to set.
 */
export function requireConnections<C extends Connection>(
  config: BudgetwatchConfig,
  command: string,
  needed: readonly C[],
): Connected<C> {
  const missing = needed.find((connection) => config[connection] === undefined);
  if (missing !== undefined) {
    const names = needed.map((c) => NEEDS[c].name).join(' and ');
    const variables = needed.map((c) => NEEDS[c].variable).join(' and ');
    throw new ConfigError([
      {
        source: { kind: 'default' },
        path: NEEDS[missing].path,
        reason: `the ${command} command needs ${names} (set ${variables})`,
      },
    ]);
  }
  return config as Connected<C>;
}
