import { readFileSync } from 'node:fs';
import type { RedisConfig } from '@budgetwatch/config';
import { Redis } from 'ioredis';
import { redisClientOptions } from './redis-client-options.js';

/**
 * An ioredis client for the configured server. It connects lazily: call `connectRedis` to connect
 * and fail fast with a clear error when the server is unreachable or refuses the credentials.
 */
export function createRedis(config: RedisConfig, connectionName: string): Redis {
  const client = new Redis(
    config.url,
    redisClientOptions(config, connectionName, (path) => readFileSync(path, 'utf8')),
  );
  // Connection errors reach callers through connectRedis and failed commands; without a listener
  // ioredis would also print each reconnect attempt's error to stderr.
  client.on('error', (error: Error) => lastErrors.set(client, error));
  return client;
}

/** The last connection error of each client: what a failed ping ("Connection is closed") hides. */
const lastErrors = new WeakMap<Redis, Error>();

export class RedisConnectionError extends Error {
  override readonly name = 'RedisConnectionError';
}

/** Connects and checks the server answers; authentication failures are not retried. */
export async function connectRedis(client: Redis): Promise<void> {
  try {
    if (client.status === 'wait') await client.connect();
    await client.ping();
  } catch (error) {
    const cause = lastErrors.get(client) ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    client.disconnect();
    throw new RedisConnectionError(`cannot use Redis at ${describeRedisTarget(client)}: ${reason}`, {
      cause,
    });
  }
}

function describeRedisTarget(client: Redis): string {
  const { host, port, tls } = client.options;
  return `${tls === undefined ? 'redis' : 'rediss'}://${host ?? '?'}:${port ?? '?'}`;
}
