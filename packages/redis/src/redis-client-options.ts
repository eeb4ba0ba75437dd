import { type ReadPem, type RedisConfig, tlsConnectionOptions } from '@budgetwatch/config';
import type { RedisOptions } from 'ioredis';

/** Translates Budgetwatch's Redis settings into ioredis options; pure apart from `readPem`. */
export function redisClientOptions(
  config: RedisConfig,
  connectionName: string,
  readPem: ReadPem,
): RedisOptions {
  const options: RedisOptions = {
    connectionName,
    connectTimeout: config.connectTimeoutMs,
    lazyConnect: true,
    // Scripts and pipelines must not be silently queued forever while Redis is away.
    maxRetriesPerRequest: 3,
    enableAutoPipelining: false,
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  const tlsWanted = config.tls?.enabled === true || config.url.startsWith('rediss://');
  if (tlsWanted) options.tls = tlsConnectionOptions(config.tls, readPem);
  return options;
}
