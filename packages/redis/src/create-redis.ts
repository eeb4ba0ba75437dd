import { readFileSync } from 'node:fs';
import type { RedisConfig } from '@budgetwatch/config';
import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';
import { redisClientOptions, redisClusterSettings } from './redis-client-options.js';

const readPem = (path: string) => readFileSync(path, 'utf8');

/** The last connection error of each client: what a failed ping ("Connection is closed") hides. */
const lastErrors = new WeakMap<RedisClient, Error>();
/** What an error message names for a cluster: the seed node of the configuration. */
const seeds = new WeakMap<Cluster, string>();

/**
 * An ioredis client for the configured server, or for the cluster it seeds (`redis.cluster`). It
 * connects lazily: call `connectRedis` to connect and fail fast with a clear error when Redis is
 * unreachable or refuses the credentials.
 */
export function createRedis(config: RedisConfig, connectionName: string): RedisClient {
  let client: RedisClient;
  if (config.cluster) {
    const { startupNodes, options } = redisClusterSettings(config, connectionName, readPem);
    client = new Cluster(startupNodes, options);
    seeds.set(client, describeSeed(config));
  } else {
    client = new Redis(config.url, redisClientOptions(config, connectionName, readPem));
  }
  // Connection errors reach callers through connectRedis and failed commands; without a listener
  // ioredis would also print each reconnect attempt's error to stderr. A cluster's "Failed to
  // refresh slots cache" carries the node's own error, which is the one that explains it.
  client.on('error', (error: Error & { lastNodeError?: Error }) =>
    lastErrors.set(client, error.lastNodeError ?? error),
  );
  return client;
}

export class RedisConnectionError extends Error {
  override readonly name = 'RedisConnectionError';
}

/**
 * Connects and checks that Redis answers, and that it is what the configuration says: a cluster
 * node reached as a single server would answer MOVED for most keys. Authentication failures are
 * not retried.
 */
export async function connectRedis(client: RedisClient): Promise<void> {
  try {
    if (client.status === 'wait') await client.connect();
    await client.ping();
  } catch (error) {
    const cause = lastErrors.get(client) ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw failure(client, reason, cause);
  }
  if (client instanceof Redis && /^cluster_enabled:1\b/m.test(await clusterInfo(client))) {
    throw failure(client, 'it is a Redis Cluster node: set REDIS_CLUSTER=true (redis.cluster)');
  }
}

function failure(client: RedisClient, reason: string, cause?: unknown): RedisConnectionError {
  client.disconnect();
  return new RedisConnectionError(`cannot use Redis at ${describeRedisTarget(client)}: ${reason}`, {
    cause,
  });
}

/** INFO's cluster section; empty where a managed Redis does not allow INFO. */
async function clusterInfo(client: Redis): Promise<string> {
  try {
    return await client.info('cluster');
  } catch {
    return '';
  }
}

function describeSeed(config: RedisConfig): string {
  const url = new URL(config.url);
  const tls = config.tls?.enabled === true || url.protocol === 'rediss:';
  return `${tls ? 'rediss' : 'redis'}://${url.hostname}:${url.port || 6379} (cluster seed)`;
}

function describeRedisTarget(client: RedisClient): string {
  if (client instanceof Cluster) return seeds.get(client) ?? 'a Redis Cluster';
  const { host, port, tls } = client.options;
  return `${tls === undefined ? 'redis' : 'rediss'}://${host ?? '?'}:${port ?? '?'}`;
}
