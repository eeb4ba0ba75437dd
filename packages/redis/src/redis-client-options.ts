import { type ReadPem, type RedisConfig, tlsConnectionOptions } from '@budgetwatch/config';
import type { ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';

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
  if (tlsWanted) options.tls = tlsConnectionOptions(config.tls, readPem, 'redis.tls');
  return options;
}

export interface RedisClusterSettings {
  /** The seed node named by `redis.url`. */
  startupNodes: ClusterNode[];
  options: ClusterOptions;
}

/**
 * The same settings for a Redis Cluster seeded by `redis.url`: every node, including those the
 * client discovers, gets the URL's credentials (which win over `redis.username`/`password`, as
 * they do for a single server) and TLS.
 */
export function redisClusterSettings(
  config: RedisConfig,
  connectionName: string,
  readPem: ReadPem,
): RedisClusterSettings {
  const { lazyConnect, enableAutoPipelining, ...nodeOptions } = redisClientOptions(
    config,
    connectionName,
    readPem,
  );
  const seed = new URL(config.url);
  if (seed.username !== '' || seed.password !== '') {
    nodeOptions.username = decodeURIComponent(seed.username);
    nodeOptions.password = decodeURIComponent(seed.password);
  }
  return {
    startupNodes: [{ host: seed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(seed.port || 6379) }],
    options: { lazyConnect, enableAutoPipelining, redisOptions: nodeOptions },
  };
}
