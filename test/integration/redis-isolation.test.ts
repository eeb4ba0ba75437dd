import { createRedisNamespace, type RedisNamespace } from '@budgetwatch/testkit';
import { describe, expect, inject, it } from 'vitest';

/** Resolves once `parties` callers have arrived, so concurrent suites provably overlap in time. */
function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => undefined;
  const open = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived === parties) release();
    return open;
  };
}

const LOGICAL_KEYS = ['window:tool-a:1700000000', 'state:success-rate:tool-a', 'dirty-series'];

describe('Redis isolation between suites running at the same time', () => {
  const written = barrier(2);
  const verified = barrier(2);
  const firstCleaned = barrier(2);
  const namespaces = new Map<string, RedisNamespace>();

  describe.concurrent('two suites in parallel', () => {
    for (const suite of ['alpha', 'beta'] as const) {
      it(`suite ${suite} sees only its own keys and removes only its own keys`, async () => {
        const namespace = await createRedisNamespace(inject('testBed').redisUrl, `isolation-${suite}`);
        namespaces.set(suite, namespace);
        // Both suites use the same logical key names with different values.
        for (const key of LOGICAL_KEYS) await namespace.client.set(namespace.key(key), `${suite}-value`);
        await namespace.client.hincrby(namespace.key('counters'), 'calls', suite === 'alpha' ? 7 : 11);
        await written();

        for (const key of LOGICAL_KEYS)
          expect(await namespace.client.get(namespace.key(key))).toBe(`${suite}-value`);
        expect(await namespace.client.hget(namespace.key('counters'), 'calls')).toBe(
          suite === 'alpha' ? '7' : '11',
        );
        const owned = await namespace.keys();
        expect(owned).toHaveLength(LOGICAL_KEYS.length + 1);
        expect(owned.every((key) => key.startsWith(namespace.prefix))).toBe(true);
        await verified();

        // alpha cleans up first; beta must still have all of its keys afterwards.
        if (suite === 'alpha') {
          expect(await namespace.cleanup()).toBe(LOGICAL_KEYS.length + 1);
          await firstCleaned();
        } else {
          await firstCleaned();
          expect(await namespace.keys()).toHaveLength(LOGICAL_KEYS.length + 1);
          expect(await namespace.cleanup()).toBe(LOGICAL_KEYS.length + 1);
        }
      });
    }
  });

  it('leaves nothing behind once both suites cleaned up', async () => {
    expect([...namespaces.keys()].sort()).toEqual(['alpha', 'beta']);
    const probe = await createRedisNamespace(inject('testBed').redisUrl, 'isolation-probe');
    for (const namespace of namespaces.values()) {
      let cursor = '0';
      const leftovers: string[] = [];
      do {
        const [next, keys] = await probe.client.scan(cursor, 'MATCH', `${namespace.prefix}*`, 'COUNT', 1000);
        leftovers.push(...keys);
        cursor = next;
      } while (cursor !== '0');
      expect(leftovers).toEqual([]);
    }
    await probe.cleanup();
  });
});
