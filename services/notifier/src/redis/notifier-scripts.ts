import { defineLuaScripts, readLuaScript } from '@budgetwatch/redis';
import type { Redis } from 'ioredis';

const SCRIPTS = {
  renewLock: { keys: 1, source: readLuaScript('renew-lock-1', import.meta.url) },
  releaseLock: { keys: 1, source: readLuaScript('release-lock-1', import.meta.url) },
} as const;

export type NotifierRedis = Redis & {
  renewLock(key: string, token: string, ttlMs: number): Promise<number>;
  releaseLock(key: string, token: string): Promise<number>;
};

export function registerNotifierScripts(client: Redis): NotifierRedis {
  defineLuaScripts(client, SCRIPTS);
  return client as NotifierRedis;
}
