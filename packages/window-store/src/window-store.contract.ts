import {
  addCall,
  type BucketCounters,
  bucketIndex,
  type CallOutcome,
  type CardinalityLimits,
  COARSE,
  DRILL_SERIES_LIFETIME_MS,
  emptyCounters,
  FINE,
  isWithinRing,
  MAX_WINDOW_MS,
  mergeCounters,
  OTHER_TOOL,
  OVERFLOW_SERVER,
  type PositionedCall,
  resolutionFor,
  rollupOf,
  SERIES_LIFETIME_MS,
  type SeriesRef,
  seriesId,
  sketchQuantile,
  type ToolCall,
  windowBucketRange,
} from '@budgetwatch/domain';
import { waitFor } from '@budgetwatch/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FenceCache, writeBatchExactlyOnce } from './apply-batch.js';
import type { RecordClaim } from './record-claim.js';
import type { WindowStore } from './window-store.js';

export const THRESHOLDS = [3000, 500];
export const HOUR = 3600_000;
export const SOURCE = { topic: 'otlp_spans', partition: 0 };
const OUTCOMES: CallOutcome[] = ['ok', 'ok', 'ok', 'error', 'blocked_expected', 'blocked_unexpected'];

const spanArbitrary = fc.record({
  ageMs: fc.integer({ min: 0, max: 26 * HOUR }),
  latencyMs: fc.oneof(fc.double({ min: 0.5, max: 10_000, noNaN: true }), fc.constantFrom(500, 3000)),
  outcome: fc.constantFrom(...OUTCOMES),
  fallback: fc.boolean(),
  tool: fc.constantFrom('search', 'write', 'a|b{c}'),
  server: fc.constantFrom('docs', 'crm'),
});

/** Brute force: every valid call whose bucket is in the window and was still in the ring at write time. */
function expectedTotals(
  calls: ToolCall[],
  series: SeriesRef,
  windowMs: number,
  readNow: number,
  writeNow: number,
  coarse = false,
) {
  const resolution = coarse ? COARSE : resolutionFor(windowMs);
  const { first, last } = windowBucketRange(windowMs, readNow, resolution);
  const totals = emptyCounters(THRESHOLDS.length);
  const latencies: number[] = [];
  for (const call of calls) {
    if (call.server !== series.server || (series.tool !== null && call.tool !== series.tool)) continue;
    const index = bucketIndex(call.eventTimeMs, resolution);
    if (index < first || index > last || !isWithinRing(index, writeNow, resolution)) continue;
    addCall(totals, call, THRESHOLDS);
    if (call.outcome === 'ok' || call.outcome === 'error') latencies.push(call.latencyMs);
  }
  return { totals, latencies };
}

/** A successful 5 ms call of `series` (a tool series) ending at `eventTimeMs`. */
export function okCall(
  series: SeriesRef & { tool: string },
  eventTimeMs: number,
  unregistered = true,
): ToolCall {
  return { ...series, outcome: 'ok', fallback: false, latencyMs: 5, eventTimeMs, unregistered };
}

export function exactCounters(counters: BucketCounters) {
  const { sketch: _sketch, ...rest } = counters;
  return rest;
}

/**
 * Random streams, batch boundaries and redeliveries written to a fresh store per run: every 2h and
 * 24h aggregate (and hourly history) read back equals a brute-force recomputation, and p95 is
 * within 1%.
 */
export async function expectRandomStreamsExact(
  createStore: (run: number) => WindowStore,
  numRuns: number,
): Promise<void> {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(spanArbitrary, { minLength: 1, maxLength: 250 }),
      fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      fc.integer({ min: 0, max: 59_999 }),
      async (spans, batchSizes, redeliver, jitter) => {
        run += 1;
        const store = createStore(run);
        const writeNow = Date.UTC(2026, 10, 25, 12, 0, 0) + jitter;
        const calls: ToolCall[] = spans.map((span) => ({
          server: span.server,
          tool: span.tool,
          drill: false,
          outcome: span.outcome,
          fallback: span.fallback,
          latencyMs: span.latencyMs,
          eventTimeMs: writeNow - span.ageMs,
          unregistered: true,
        }));
        // What the worker counts: spans inside the largest window (older ones are invalid).
        const valid = calls.filter((call) => call.eventTimeMs > writeNow - MAX_WINDOW_MS);
        const positioned: PositionedCall[] = calls.map((call, offset) => ({ call, offset }));
        const countable = positioned.filter(({ call }) => call.eventTimeMs > writeNow - MAX_WINDOW_MS);

        // Batches with random boundaries; sometimes a restart re-delivers from an earlier position.
        const cache = new FenceCache();
        let start = 0;
        let batch = 0;
        while (start < positioned.length) {
          const size = batchSizes[batch % batchSizes.length] ?? 10;
          const end = Math.min(positioned.length, start + size);
          const slice = countable.filter((entry) => entry.offset >= start && entry.offset < end);
          await writeBatchExactlyOnce(store, SOURCE, slice, end - 1, writeNow, THRESHOLDS, cache);
          if (redeliver[batch % redeliver.length] === true) {
            const from = Math.floor(start / 2);
            const again = countable.filter((entry) => entry.offset >= from && entry.offset < end);
            // A fresh cache: a restarted worker knows nothing and must read the fences.
            await writeBatchExactlyOnce(store, SOURCE, again, end - 1, writeNow, THRESHOLDS);
          }
          start = end;
          batch += 1;
        }

        const seriesList: SeriesRef[] = [
          ...new Set(valid.map((call) => JSON.stringify([call.server, call.tool]))),
        ].flatMap((text) => {
          const [server, tool] = JSON.parse(text) as [string, string];
          return [
            { server, tool, drill: false },
            { server, tool: null, drill: false },
          ];
        });
        const reads: [number, number, boolean?][] = [
          [2 * HOUR, writeNow],
          [2 * HOUR, writeNow - 5 * 60_000],
          [FINE.bucketMs * 30, writeNow],
          [24 * HOUR, writeNow],
          [24 * HOUR, writeNow - 30 * 60_000],
          [6 * HOUR, writeNow - 2 * HOUR],
          // Hourly history (the dashboard's sparklines) from the five-minute ring.
          [HOUR, writeNow - 10 * HOUR, true],
          [HOUR, writeNow, true],
        ];
        for (const series of seriesList) {
          for (const [windowMs, readNow, coarse = false] of reads) {
            const actual = await store.readWindow(series, windowMs, readNow, { coarse });
            const { totals, latencies } = expectedTotals(valid, series, windowMs, readNow, writeNow, coarse);
            expect(exactCounters(actual)).toEqual(exactCounters(totals));
            // The same window folded from the ring's buckets, as the history charts read it.
            const resolution = coarse ? COARSE : resolutionFor(windowMs);
            const { first, last } = windowBucketRange(windowMs, readNow, resolution);
            const folded = emptyCounters(actual.slow.length);
            for (const bucket of await store.readBuckets(series, resolution, readNow)) {
              expect(bucket.index).toBeLessThanOrEqual(last);
              if (bucket.index >= first) mergeCounters(folded, bucket.counters);
            }
            expect(exactCounters(folded)).toEqual(exactCounters(actual));
            expect([...folded.sketch].sort()).toEqual([...actual.sketch].sort());
            if (latencies.length > 0) {
              const sorted = [...latencies].sort((a, b) => a - b);
              const exactP95 = sorted[Math.floor(0.95 * (sorted.length - 1))] ?? 0;
              const p95 = sketchQuantile(actual.sketch, 0.95) ?? Number.NaN;
              expect(Math.abs(p95 - exactP95)).toBeLessThanOrEqual(0.01 * exactP95 + 1e-9);
            }
          }
        }
      },
    ),
    { numRuns },
  );
}

/**
 * A fresh store, distinct per `label`; with `now`, the store reads that clock for write times
 * instead of the system's; with `cardinality`, it admits series within those caps.
 */
export type CreateStore = (label: string, now?: () => number, cardinality?: CardinalityLimits) => WindowStore;

/**
 * What every WindowStore does, run against each adapter: the in-memory one in the unit tier, the
 * Redis ones (a server, a cluster) in the integration tier.
 */
export function windowStoreContract(name: string, createStore: CreateStore): void {
  describe(`${name} window store`, () => {
    it('random streams, batch boundaries and redeliveries give exact 2h and 24h aggregates', async () => {
      await expectRandomStreamsExact((run) => createStore(`run${run}`), 30);
    }, 120_000);

    it('a fence that moved under a writer is a conflict, and nothing is written', async () => {
      const store = createStore('conflict');
      const now = Date.UTC(2026, 10, 25, 12, 0, 0);
      const call = okCall({ server: 's', tool: 't', drill: false }, now - 1000);
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

    it("the active-series index holds write times by the store's clock", async () => {
      const writtenAt = Date.UTC(2026, 10, 25, 12, 0, 0);
      const store = createStore('clock', () => writtenAt);
      const call = okCall({ server: 's', tool: 't', drill: false }, writtenAt - 1000);
      await writeBatchExactlyOnce(store, SOURCE, [{ call, offset: 0 }], 0, writtenAt, THRESHOLDS);
      expect(await store.activeSeries(writtenAt)).toHaveLength(2);
      expect(await store.activeSeries(writtenAt + 1)).toEqual([]);
    });

    seriesLifetimeContract(createStore);
    recordClaimsContract(createStore);
    cardinalityContract(createStore);
  });
}

/**
 * How record contents are claimed (WindowStore.claimRecords), part of the window store contract;
 * on its own for the Redis Cluster suite, where contents spread over the slots.
 */
export function recordClaimsContract(createStore: CreateStore): void {
  describe('record claims', () => {
    const WINDOW_MS = 60_000;
    const at = (contentKey: string, partition: number, offset: number): RecordClaim => ({
      contentKey,
      source: { topic: SOURCE.topic, partition },
      offset,
    });

    it('the first position to claim a content holds it, on every redelivery too; copies elsewhere do not', async () => {
      const store = createStore('claims');
      expect(await store.claimRecords([at('a', 0, 5)], WINDOW_MS)).toEqual([true]);
      // The same bytes on another partition, or later on the same one: a duplicate.
      expect(await store.claimRecords([at('a', 1, 3), at('a', 0, 6)], WINDOW_MS)).toEqual([false, false]);
      // The first copy read again (a crash before its offset was committed) still counts.
      expect(await store.claimRecords([at('a', 0, 5)], WINDOW_MS)).toEqual([true]);
      // Another topic's record at the same partition and offset is another position.
      const otherTopic = { ...at('a', 0, 5), source: { topic: `${SOURCE.topic}-2`, partition: 0 } };
      expect(await store.claimRecords([otherTopic], WINDOW_MS)).toEqual([false]);
      // In one call, claims are decided in order: the first of two copies wins.
      expect(await store.claimRecords([at('b', 2, 9), at('c', 0, 7), at('b', 1, 4)], WINDOW_MS)).toEqual([
        true,
        true,
        false,
      ]);
      expect(await store.claimRecords([], WINDOW_MS)).toEqual([]);
    });

    it('a claim lasts its window from the first claim, then the content may be claimed afresh', async () => {
      const shortWindowMs = 300;
      const store = createStore('claim-expiry', Date.now);
      expect(await store.claimRecords([at('d', 0, 1)], shortWindowMs)).toEqual([true]);
      expect(await store.claimRecords([at('d', 1, 1)], shortWindowMs)).toEqual([false]);
      // Once the window has passed, the next copy is counted as new.
      await waitFor(async () => (await store.claimRecords([at('d', 1, 1)], shortWindowMs))[0], {
        description: 'the claim to expire',
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      expect(await store.claimRecords([at('d', 0, 1)], shortWindowMs)).toEqual([false]);
    });
  });
}

/**
 * The cardinality caps: which series are admitted, and where the others' calls count; on its own
 * for the Redis Cluster suite, where admitting and forgetting cross slots.
 */
export function cardinalityContract(createStore: CreateStore): void {
  describe('cardinality caps', () => {
    const start = Date.UTC(2026, 10, 25, 12, 0, 0);
    const limits: CardinalityLimits = { maxToolsPerServer: 2, maxToolSeries: 3, maxUnregisteredServers: 1 };
    const calls = (server: string, tool: string, count: number, nowMs: number, unregistered = true) =>
      Array.from({ length: count }, () => okCall({ server, tool, drill: false }, nowMs - 1000, unregistered));
    const write = (store: WindowStore, batch: ToolCall[], firstOffset: number, nowMs: number) =>
      writeBatchExactlyOnce(
        store,
        SOURCE,
        batch.map((call, i) => ({ call, offset: firstOffset + i })),
        firstOffset + batch.length - 1,
        nowMs,
        THRESHOLDS,
      );
    const count = async (store: WindowStore, server: string, tool: string | null, nowMs: number) =>
      (await store.readWindow({ server, tool, drill: false }, HOUR, nowMs, { sketch: false })).calls;

    it('admits series exactly up to the caps and counts every other call in an overflow series', async () => {
      const store = createStore('caps', () => start, limits);
      const batch = [
        ...calls('a', 't1', 3, start),
        ...calls('a', 't2', 2, start),
        ...calls('a', 't3', 4, start), // beyond a's two tools
        ...calls('b', 't1', 5, start), // a second unregistered server: beyond the one tracked
        ...calls('r', 't1', 1, start, false), // registered: tracked; the last slot of the total
        ...calls('r', 't2', 6, start, false), // beyond the total of three
      ];
      const written = await write(store, batch, 0, start);
      expect(written.overflowCalls).toEqual({ tools_per_server: 4, unregistered_servers: 5, tool_series: 6 });
      expect(written.callsApplied).toBe(batch.length);
      expect(await count(store, 'a', 't1', start)).toBe(3);
      expect(await count(store, 'a', 't2', start)).toBe(2);
      expect(await count(store, 'a', 't3', start)).toBe(0);
      expect(await count(store, 'a', OTHER_TOOL, start)).toBe(4);
      expect(await count(store, 'a', null, start)).toBe(9);
      expect(await count(store, 'b', null, start)).toBe(0);
      expect(await count(store, OVERFLOW_SERVER, OTHER_TOOL, start)).toBe(5);
      expect(await count(store, OVERFLOW_SERVER, null, start)).toBe(5);
      expect(await count(store, 'r', 't1', start)).toBe(1);
      expect(await count(store, 'r', OTHER_TOOL, start)).toBe(6);
      expect(await count(store, 'r', null, start)).toBe(7);

      // The same series asked again in a later batch are decided alike.
      const again = await write(
        store,
        [...calls('a', 't3', 1, start), ...calls('a', 't1', 1, start)],
        100,
        start,
      );
      expect(again.overflowCalls).toEqual({ tools_per_server: 1 });
      expect(await count(store, 'a', OTHER_TOOL, start)).toBe(5);
      expect(await count(store, 'a', 't1', start)).toBe(4);
    });

    it('a batch of thousands of new series is decided in order of first sight', async () => {
      const store = createStore('caps-many', () => start, {
        ...limits,
        maxToolsPerServer: 5000,
        maxToolSeries: 2100,
      });
      const batch = Array.from({ length: 2500 }, (_, i) => calls('big', `x${i}`, 1, start, false)).flat();
      const written = await write(store, batch, 0, start);
      expect(written.overflowCalls).toEqual({ tool_series: 400 });
      expect(await count(store, 'big', 'x2099', start)).toBe(1);
      expect(await count(store, 'big', 'x2100', start)).toBe(0);
      expect(await count(store, 'big', OTHER_TOOL, start)).toBe(400);
    });

    it('a forgotten series frees its slot: a tool refused before is admitted after', async () => {
      let now = start;
      const store = createStore('caps-forget', () => now, { ...limits, maxToolsPerServer: 1 });
      await write(store, calls('a', 'old', 1, now), 0, now);
      now = start + SERIES_LIFETIME_MS / 2;
      const refused = await write(store, [...calls('a', 'new', 2, now), ...calls('b', 'x', 1, now)], 1, now);
      expect(refused.overflowCalls).toEqual({ tools_per_server: 2, unregistered_servers: 1 });

      // `a/old` goes quiet past its lifetime, while `a` stays written through its (other) series.
      now = start + SERIES_LIFETIME_MS + 1;
      await store.forgetQuietSeries();
      const admitted = await write(store, calls('a', 'new', 3, now), 10, now);
      expect(admitted.overflowCalls).toEqual({});
      expect(await count(store, 'a', 'new', now)).toBe(3);
    });

    it('a forgotten unregistered server frees its place among the tracked ones', async () => {
      let now = start;
      const store = createStore('caps-servers', () => now, limits);
      await write(store, calls('a', 't', 1, now), 0, now);
      now = start + SERIES_LIFETIME_MS + 1;
      await store.forgetQuietSeries();
      const written = await write(store, calls('b', 't', 2, now), 1, now);
      expect(written.overflowCalls).toEqual({});
      expect(await count(store, 'b', 't', now)).toBe(2);
    });
  });
}

/**
 * How long series stay, part of the window store contract; on its own for the Redis Cluster suite,
 * where forgetting crosses slots.
 */
export function seriesLifetimeContract(createStore: CreateStore): void {
  describe('series lifetime', () => {
    const start = Date.UTC(2026, 10, 25, 12, 0, 0);
    const production = { server: 's', tool: 't', drill: false };
    const drill = { server: 's', tool: 'drill-latency-1', drill: true };
    const ids = (series: readonly SeriesRef[]) => series.map(seriesId).sort();
    const withRollups = (...tools: SeriesRef[]) => ids(tools.flatMap((tool) => [tool, rollupOf(tool)]));
    /** One call per offset, ending a second before `nowMs`. */
    const writeCalls = (
      store: WindowStore,
      series: SeriesRef & { tool: string },
      offsets: readonly number[],
      nowMs: number,
      cache?: FenceCache,
    ) =>
      writeBatchExactlyOnce(
        store,
        SOURCE,
        offsets.map((offset) => ({ call: okCall(series, nowMs - 1000), offset })),
        offsets.at(-1) ?? -1,
        nowMs,
        THRESHOLDS,
        cache,
      );

    it('a series quiet for longer than its lifetime is not listed: 24h10m, a drill series 1h', async () => {
      let now = start;
      const store = createStore('lifetime', () => now);
      await writeCalls(store, production, [0], now);
      await writeCalls(store, drill, [1], now);
      const listed = async () => ids(await store.activeSeries(0));

      now = start + DRILL_SERIES_LIFETIME_MS;
      expect(await listed()).toEqual(withRollups(production, drill));
      now += 1;
      expect(await listed()).toEqual(withRollups(production));
      now = start + SERIES_LIFETIME_MS;
      expect(await listed()).toEqual(withRollups(production));
      now += 1;
      expect(await listed()).toEqual([]);

      // Written again, it is listed again.
      await writeCalls(store, drill, [2], now);
      expect(await listed()).toEqual(withRollups(drill));
    });

    it("forgetting drops a quiet drill series' counts and fences, and leaves production alone", async () => {
      let now = start;
      const store = createStore('forget', () => now);
      await writeCalls(store, production, [0, 1, 2], now);
      await writeCalls(store, drill, [0, 1, 2], now);

      now = start + DRILL_SERIES_LIFETIME_MS + 1;
      expect(await store.forgetQuietSeries()).toBe(2);
      expect((await store.readWindow(drill, 2 * HOUR, now)).calls).toBe(0);
      expect((await store.readWindow(production, 2 * HOUR, now)).calls).toBe(3);
      // A series written again starts afresh: its old offsets count as never seen.
      expect(await writeCalls(store, drill, [0, 1, 2], now)).toMatchObject({ callsApplied: 3 });
      expect(await store.forgetQuietSeries()).toBe(0);
    });

    it('a write forgets quiet series by itself', async () => {
      let now = start;
      const store = createStore('forget-on-write', () => now);
      await writeCalls(store, drill, [0, 1, 2], now);
      now = start + DRILL_SERIES_LIFETIME_MS + 1;
      await writeCalls(store, production, [3], now);
      expect((await store.readWindow(drill, 2 * HOUR, now)).calls).toBe(0);
    });

    it('a write racing with forgetting its series is never lost', async () => {
      let now = start;
      const store = createStore('forget-race', () => now);
      const cache = new FenceCache();
      await writeCalls(store, drill, [0, 1], now, cache);

      now = start + DRILL_SERIES_LIFETIME_MS + 1;
      // Both start at once: the write (its fences cached, so at once) reaches the store while
      // forgetting is under way.
      const [, written] = await Promise.all([
        store.forgetQuietSeries(),
        writeCalls(store, drill, [2], now, cache),
      ]);
      expect(written.callsApplied).toBe(1);
      // Forgotten then written afresh (1 call), or kept whole (3): never the write lost (0).
      expect([1, 3]).toContain((await store.readWindow(drill, 2 * HOUR, now)).calls);
      expect(ids(await store.activeSeries(0))).toEqual(withRollups(drill));
    });
  });
}
