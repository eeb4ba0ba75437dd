import {
  createRedisNamespace,
  type RedisNamespace,
  type RedisTarget,
  startRedisCluster,
} from '@budgetwatch/testkit';
import { afterAll, inject } from 'vitest';

/** The run's shared single Redis server. */
export function sharedRedis(): RedisTarget {
  return { url: inject('testBed').redisUrl, cluster: false };
}

/**
 * A private slice (key prefix) of `target`, the shared server unless told otherwise, for the
 * calling suite; removed with its keys after the suite.
 */
export async function useRedisNamespace(
  label: string,
  target: RedisTarget = sharedRedis(),
): Promise<RedisNamespace> {
  const namespace = await createRedisNamespace(target, label);
  afterAll(async () => {
    await namespace.cleanup();
  });
  return namespace;
}

/**
 * A three-master Redis Cluster for the calling suite, stopped after it. Call it before
 * `useRedisNamespace` on it: after-hooks run last-registered first, so the namespace is cleaned
 * up while the cluster still runs.
 */
export async function useRedisCluster(): Promise<RedisTarget> {
  const cluster = await startRedisCluster();
  afterAll(() => cluster.stop());
  return { url: cluster.url, cluster: true };
}

/** The environment that points a Budgetwatch process at `target`. */
export function redisEnvironment(target: RedisTarget): Record<string, string> {
  return target.cluster ? { REDIS_URL: target.url, REDIS_CLUSTER: 'true' } : { REDIS_URL: target.url };
}
