import { randomUUID } from 'node:crypto';
import { dataNodes, type RedisClient } from '@budgetwatch/redis';
import { Cluster, Redis } from 'ioredis';

/** Where a namespace lives: a single server, or a Redis Cluster seeded by `url`. */
export interface RedisTarget {
  url: string;
  cluster: boolean;
}

/**
 * A private slice of a shared Redis for one test suite: every key it owns starts with `prefix`,
 * and `cleanup` removes exactly those keys (never FLUSHALL/FLUSHDB on a shared server).
 */
export interface RedisNamespace {
  readonly prefix: string;
  /** What the client is connected to, e.g. to point a child process at the same Redis. */
  readonly target: RedisTarget;
  /** A connected client; keys are not prefixed automatically, use `key()` or `prefix`. */
  readonly client: RedisClient;
  key(...parts: string[]): string;
  /** Keys currently under the prefix (SCAN on every node, safe on a busy server). */
  keys(): Promise<string[]>;
  /** Deletes every key under the prefix and closes the client; returns how many were removed. */
  cleanup(): Promise<number>;
}

/** `target` may be a bare URL: a single server. */
export async function createRedisNamespace(
  target: string | RedisTarget,
  label: string,
): Promise<RedisNamespace> {
  const { url, cluster } = typeof target === 'string' ? { url: target, cluster: false } : target;
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 40);
  const prefix = `bwtest:${safeLabel}:${randomUUID()}:`;
  const connectionName = `bwtest-${safeLabel}`;
  const client: RedisClient = cluster
    ? new Cluster([url], { lazyConnect: true, redisOptions: { connectionName } })
    : new Redis(url, { lazyConnect: true, connectionName });
  await client.connect();

  /** Each node's keys under the prefix, with the node: on a cluster a key is only found on its own. */
  const keysByNode = async (): Promise<[Redis, string[]][]> =>
    Promise.all(
      dataNodes(client).map(async (node): Promise<[Redis, string[]]> => {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
          found.push(...batch);
          cursor = next;
        } while (cursor !== '0');
        return [node, found];
      }),
    );

  return {
    prefix,
    target: { url, cluster },
    client,
    key: (...parts) => `${prefix}${parts.join(':')}`,
    keys: async () => (await keysByNode()).flatMap(([, keys]) => keys),
    async cleanup() {
      let removed = 0;
      for (const [node, keys] of await keysByNode()) {
        // One key per UNLINK: keys of different slots may not share a command on a cluster.
        for (let i = 0; i < keys.length; i += 500) {
          const pipeline = node.pipeline();
          for (const key of keys.slice(i, i + 500)) pipeline.unlink(key);
          for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
        }
        removed += keys.length;
      }
      await client.quit();
      return removed;
    },
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
