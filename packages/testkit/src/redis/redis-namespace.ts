import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * A private slice of a shared Redis for one test suite: every key it owns starts with `prefix`,
 * and `cleanup` removes exactly those keys (never FLUSHALL/FLUSHDB on a shared server).
 */
export interface RedisNamespace {
  readonly prefix: string;
  /** A connected client; keys are not prefixed automatically, use `key()` or `prefix`. */
  readonly client: Redis;
  key(...parts: string[]): string;
  /** Keys currently under the prefix (SCAN, safe on a busy server). */
  keys(): Promise<string[]>;
  /** Deletes every key under the prefix and closes the client; returns how many were removed. */
  cleanup(): Promise<number>;
}

export async function createRedisNamespace(url: string, label: string): Promise<RedisNamespace> {
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 40);
  const prefix = `bwtest:${safeLabel}:${randomUUID()}:`;
  const client = new Redis(url, { lazyConnect: true, connectionName: `bwtest-${safeLabel}` });
  await client.connect();

  const keys = async (): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };

  return {
    prefix,
    client,
    key: (...parts) => `${prefix}${parts.join(':')}`,
    keys,
    async cleanup() {
      const owned = await keys();
      for (let i = 0; i < owned.length; i += 500) await client.unlink(...owned.slice(i, i + 500));
      await client.quit();
      return owned.length;
    },
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
