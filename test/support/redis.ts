import { createRedisNamespace, type RedisNamespace } from '@budgetwatch/testkit';
import { afterAll, inject } from 'vitest';

/** A private Redis key prefix for the calling suite, removed (with its keys) after the suite. */
export async function useRedisNamespace(label: string): Promise<RedisNamespace> {
  const namespace = await createRedisNamespace(inject('testBed').redisUrl, label);
  afterAll(async () => {
    await namespace.cleanup();
  });
  return namespace;
}
