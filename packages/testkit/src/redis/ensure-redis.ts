import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { runProcess } from '../run-process.js';
import { waitFor } from '../wait-for.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface EnsuredRedis {
  url: string;
  /** True when this call had to start a local redis-server. */
  started: boolean;
}

/**
 * `REDIS_URL` if set (never started, only checked), else the local server on 127.0.0.1:6379,
 * started without persistence if it is down. A started server is shared and left running.
 */
export async function ensureRedis(configuredUrl: string | undefined): Promise<EnsuredRedis> {
  if (configuredUrl !== undefined && configuredUrl !== '') {
    if (!(await answersPing(configuredUrl)))
      throw new Error(`REDIS_URL is set but Redis does not answer PING there`);
    return { url: configuredUrl, started: false };
  }
  if (await answersPing(DEFAULT_REDIS_URL)) return { url: DEFAULT_REDIS_URL, started: false };

  const result = await runProcess('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '-::1',
    '--port',
    '6379',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  if (result.code !== 0)
    throw new Error(`redis-server failed to start (exit ${result.code}): ${result.output}`);
  await waitFor(() => answersPing(DEFAULT_REDIS_URL), {
    description: `redis-server on ${DEFAULT_REDIS_URL}`,
    timeoutMs: 15_000,
  });
  return { url: DEFAULT_REDIS_URL, started: true };
}

/**
 * Whether a Redis server answers PING at `url` (credentials included), without retries; `tls` for
 * a rediss:// URL.
 */
export async function answersPing(url: string, tls?: ConnectionOptions): Promise<boolean> {
  const client = new Redis(url, {
    ...(tls === undefined ? {} : { tls }),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
