import {
  addCall,
  emptyCounters,
  FINE,
  type PositionedCall,
  type SeriesRef,
  type ToolCall,
} from '@budgetwatch/domain';
import {
  FenceCache,
  InMemoryWindowStore,
  RedisWindowStore,
  writeBatchExactlyOnce,
} from '@budgetwatch/window-store';
import { describe, expect, it } from 'vitest';
import { useRedisNamespace } from '../support/redis.js';
import {
  exactCounters,
  expectRandomStreamsExact,
  HOUR,
  SOURCE,
  THRESHOLDS,
} from '../support/window-exactness.js';

const namespace = await useRedisNamespace('window-exactness');

describe('window stores against a brute-force recomputation', () => {
  it('Redis: random streams, batch boundaries and redeliveries give exact 2h and 24h aggregates', async () => {
    await expectRandomStreamsExact(
      (run) =>
        new RedisWindowStore(namespace.client, `${namespace.prefix}run${run}:`, { thresholdsMs: THRESHOLDS }),
      30,
    );
  }, 120_000);

  it('in memory (embedded mode): the same streams give the same exact aggregates', async () => {
    await expectRandomStreamsExact(() => new InMemoryWindowStore({ thresholdsMs: THRESHOLDS }), 30);
  }, 120_000);

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

  it('a fence that moved under a writer is a conflict, and nothing is written', async () => {
    const store = new RedisWindowStore(namespace.client, `${namespace.prefix}conflict:`, {
      thresholdsMs: THRESHOLDS,
    });
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const call: ToolCall = {
      server: 's',
      tool: 't',
      drill: false,
      outcome: 'ok',
      fallback: false,
      latencyMs: 5,
      eventTimeMs: now - 1000,
      unregistered: true,
    };
    const entries = [0, 1, 2].map((offset) => ({ call, offset }));
    const first = await writeBatchExactlyOnce(store, SOURCE, entries, 2, now, THRESHOLDS);
    expect(first).toMatchObject({ callsApplied: 3, conflicts: 0 });

    // A worker with a stale cache (believes nothing was applied) must not count the batch again.
    const stale = new FenceCache();
    stale.set('prod|s|t', SOURCE, -1);
    stale.set('prod|s|*', SOURCE, -1);
    const again = await writeBatchExactlyOnce(
      store,
      SOURCE,
      [...entries, { call, offset: 3 }],
      3,
      now,
      THRESHOLDS,
      stale,
    );
    expect(again).toMatchObject({ callsApplied: 1, callsAlreadyApplied: 3, conflicts: 2 });
    const totals = await store.readWindow({ server: 's', tool: 't', drill: false }, HOUR, now);
    expect(totals.calls).toBe(4);
    expect((await store.activeSeries(0)).map((s) => s.tool).sort()).toEqual([null, 't'].sort());
  });
});
