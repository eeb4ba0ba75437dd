import {
  type BucketCounters,
  COARSE,
  decodeSketch,
  emptyCounters,
  encodeSketch,
  FINE,
  parseSeriesId,
  RESOLUTIONS,
  type Resolution,
  resolutionFor,
  type SeriesDelta,
  type SeriesRef,
  seriesId,
  slotOf,
  windowBucketRange,
} from '@budgetwatch/domain';
import type { Redis } from 'ioredis';
import type { ApplyOutcome, SourcePartition, WindowStore, WindowStoreOptions } from '../window-store.js';
import { WindowKeys } from './window-keys.js';
import { registerWindowScripts, type ScriptedRedis } from './window-scripts.js';

/** Keys outlive their ring by this much, so a quiet series is not lost between two writes. */
const TTL_MARGIN_MS = 10 * 60_000;

export class RedisWindowStore implements WindowStore {
  private readonly redis: ScriptedRedis;
  private readonly keys: WindowKeys;

  constructor(
    redis: Redis,
    keyPrefix: string,
    private readonly options: WindowStoreOptions,
  ) {
    this.redis = registerWindowScripts(redis);
    this.keys = new WindowKeys(keyPrefix);
  }

  async readFences(seriesIds: readonly string[], source: SourcePartition): Promise<Map<string, number>> {
    const fences = new Map<string, number>();
    if (seriesIds.length === 0) return fences;
    const pipeline = this.redis.pipeline();
    const field = this.keys.fenceField(source);
    for (const id of seriesIds) pipeline.hget(this.keys.ring(id, COARSE), field);
    const replies = (await pipeline.exec()) ?? [];
    seriesIds.forEach((id, i) => {
      const [error, value] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      fences.set(id, value === null ? -1 : Number(value));
    });
    return fences;
  }

  async applyDeltas(
    deltas: readonly SeriesDelta[],
    source: SourcePartition,
    expectedFences: ReadonlyMap<string, number>,
    newFence: number,
  ): Promise<Map<string, ApplyOutcome>> {
    const outcomes = new Map<string, ApplyOutcome>();
    if (deltas.length === 0) return outcomes;
    const pipeline = this.redis.pipeline();
    const field = this.keys.fenceField(source);
    const thresholds = this.options.thresholdsMs.length;
    for (const delta of deltas) {
      const args: (string | number)[] = [
        field,
        expectedFences.get(delta.id) ?? -1,
        newFence,
        FINE.slots * FINE.bucketMs + TTL_MARGIN_MS,
        COARSE.slots * COARSE.bucketMs + TTL_MARGIN_MS,
        thresholds,
      ];
      for (const resolution of RESOLUTIONS)
        appendBuckets(args, delta.buckets.get(resolution.name), resolution);
      pipeline.applySeriesDelta(this.keys.ring(delta.id, FINE), this.keys.ring(delta.id, COARSE), ...args);
    }
    // Index of active series: a separate key (another cluster slot), so outside the atomic step;
    // ZADD is idempotent, so a crash between the two only delays when a series shows as active.
    const now = Date.now();
    const zadd: (string | number)[] = [];
    for (const delta of deltas) zadd.push(now, delta.id);
    pipeline.zadd(this.keys.activeSeries(), ...zadd);

    const replies = (await pipeline.exec()) ?? [];
    deltas.forEach((delta, i) => {
      const [error, reply] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      const [status, value] = reply as [number, number];
      outcomes.set(
        delta.id,
        status === 1
          ? { status: 'applied', droppedBuckets: value }
          : { status: 'conflict', currentFence: value },
      );
    });
    const [zaddError] = replies[deltas.length] ?? [null];
    if (zaddError) throw zaddError;
    return outcomes;
  }

  async readWindow(
    series: SeriesRef,
    windowMs: number,
    nowMs: number,
    options: { sketch?: boolean } = {},
  ): Promise<BucketCounters> {
    const resolution = resolutionFor(windowMs);
    const hash = await this.redis.hgetall(this.keys.ring(seriesId(series), resolution));
    return sumWindow(
      hash,
      resolution,
      windowMs,
      nowMs,
      this.options.thresholdsMs.length,
      options.sketch ?? true,
    );
  }

  async activeSeries(sinceMs: number): Promise<SeriesRef[]> {
    const ids = await this.redis.zrangebyscore(this.keys.activeSeries(), sinceMs, '+inf');
    return ids.map(parseSeriesId);
  }
}

function appendBuckets(
  args: (string | number)[],
  buckets: Map<number, BucketCounters> | undefined,
  resolution: Resolution,
): void {
  const entries = buckets === undefined ? [] : [...buckets];
  args.push(entries.length);
  for (const [index, counters] of entries) {
    args.push(
      index,
      slotOf(index, resolution),
      counters.calls,
      counters.errors,
      counters.blockedExpected,
      counters.blockedUnexpected,
      counters.fallbacks,
      ...counters.slow,
      encodeSketch(counters.sketch),
    );
  }
}

/**
 * Sums the slots of a ring hash whose bucket index falls in the window. A slot field `b<slot>`
 * holds "index,calls,errors,blocked expected,blocked unexpected,fallbacks,slow...,compacted|sketch"
 * (see apply-series-delta-2.lua).
 */
export function sumWindow(
  hash: Record<string, string>,
  resolution: Resolution,
  windowMs: number,
  nowMs: number,
  thresholdCount: number,
  withSketch = true,
): BucketCounters {
  const { first, last } = windowBucketRange(windowMs, nowMs, resolution);
  const totals = emptyCounters(thresholdCount);
  for (const field in hash) {
    if (field.charCodeAt(0) !== 98 /* b */) continue;
    const value = hash[field] as string;
    // The bucket index first: most slots outside the window are skipped after one number.
    let position = value.indexOf(',');
    const index = Number(value.slice(0, position));
    if (!(index >= first && index <= last)) continue;
    const next = () => {
      const start = position + 1;
      position = value.indexOf(',', start);
      return Number(value.slice(start, position));
    };
    totals.calls += next();
    totals.errors += next();
    totals.blockedExpected += next();
    totals.blockedUnexpected += next();
    totals.fallbacks += next();
    for (let k = 0; k < thresholdCount; k++) totals.slow[k] = (totals.slow[k] ?? 0) + next();
    if (withSketch) {
      const bar = value.indexOf('|', position);
      if (bar + 1 < value.length) decodeSketch(value.slice(bar + 1), totals.sketch);
    }
  }
  return totals;
}
