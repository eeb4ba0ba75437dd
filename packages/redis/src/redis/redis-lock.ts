import { randomUUID } from 'node:crypto';
import { defineLuaScripts, readLuaScript } from '../lua-scripts.js';
import type { RedisClient } from '../redis-client.js';

const SCRIPTS = {
  renewLock: { keys: 1, source: readLuaScript('renew-lock-1', import.meta.url) },
  releaseLock: { keys: 1, source: readLuaScript('release-lock-1', import.meta.url) },
} as const;

type LockRedis = RedisClient & {
  renewLock(key: string, token: string, ttlMs: number): Promise<number>;
  releaseLock(key: string, token: string): Promise<number>;
};

/**
 * Short leases on Redis keys (SET NX PX with a random token), so that one process at a time does a
 * piece of work; renewing and releasing check the token, so an expired lease taken over by another
 * process is never released by the first.
 */
export class RedisLocks {
  private readonly redis: LockRedis;

  constructor(redis: RedisClient) {
    defineLuaScripts(redis, SCRIPTS);
    this.redis = redis as LockRedis;
  }

  /** A token when the caller now holds `key`; null when someone else does. */
  async acquire(key: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    return (await this.redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK' ? token : null;
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.renewLock(key, token, ttlMs)) === 1;
  }

  async release(key: string, token: string): Promise<void> {
    await this.redis.releaseLock(key, token);
  }
}
