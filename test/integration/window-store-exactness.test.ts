import { addCall, emptyCounters, FINE, type PositionedCall, type SeriesRef } from '@budgetwatch/domain';
import { FenceCache, RedisWindowStore, writeBatchExactlyOnce } from '@budgetwatch/window-store';
import { exactCounters, SOURCE, THRESHOLDS, windowStoreContract } from '@budgetwatch/window-store/contract';
import { describe, expect, it } from 'vitest';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('window-exactness');

// Against a brute-force recomputation; the in-memory store runs the same contract in the unit tier.
windowStoreContract(
  'Redis',
  (label, now, cardinality) =>
    new RedisWindowStore(
      namespace.client,
      `${namespace.prefix}${label}:`,
      { thresholdsMs: THRESHOLDS, cardinality },
      now,
    ),
);

describe('Redis window store layout', () => {
  it('a bucket written by many batches keeps an exact sketch and a bounded size', async () => {
    const prefix = `${namespace.prefix}compaction:`;
    const store = new RedisWindowStore(namespace.client, prefix, { thresholdsMs: THRESHOLDS });
    const now = Date.UTC(2026, 10, 25, 12, 0, 30);
    const series: SeriesRef = { server: 's', tool: 't', drill: false };
    const expected = emptyCounters(THRESHOLDS.length);
    const cache = new FenceCache();
    for (let batch = 0; batch < 400; batch++) {
      const entries: PositionedCall[] = [0, 1, 2].map((i) => ({
        offset: batch * 3 + i,
        call: {
          server: 's',
          tool: 't',
          drill: false,
          outcome: 'ok',
          fallback: false,
          // ~330 distinct bins overall, revisited in a scrambled order.
          latencyMs: 1 + ((batch * 37 + i * 101) % 997) * 7,
          eventTimeMs: now - 1000,
          unregistered: false,
        },
      }));
      for (const { call } of entries) addCall(expected, call, THRESHOLDS);
      await writeBatchExactlyOnce(store, SOURCE, entries, batch * 3 + 2, now, THRESHOLDS, cache);
    }
    const actual = await store.readWindow(series, FINE.bucketMs, now);
    expect(exactCounters(actual)).toEqual(exactCounters(expected));
    expect(new Map([...actual.sketch].sort())).toEqual(new Map([...expected.sketch].sort()));

    // Appended deltas are merged once the text doubles, so a bucket never grows with its writes.
    const fine = await namespace.client.hgetall(`${prefix}w:{prod|s|t}:fine:sketches`);
    const [slotValue] = Object.entries(fine).filter(([field]) => field.startsWith('s'));
    const compactLength = [...expected.sketch].map(([bin, count]) => `${bin}:${count}`).join(';').length;
    expect(slotValue?.[1].split('|')[1]?.length).toBeLessThanOrEqual(2 * compactLength + 256);
  });
});
