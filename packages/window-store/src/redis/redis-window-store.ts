import {
  type BucketCounters,
  COARSE,
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
} from '@budgetwatch/domain';
import { execPipelines, type RedisClient, type SlotCommands } from '@budgetwatch/redis';
import type {
  ApplyOutcome,
  ReadWindowOptions,
  SourcePartition,
  WindowStore,
  WindowStoreOptions,
} from '../window-store.js';
import { addRingCounters, addRingSketches } from './ring-layout.js';
import { WindowKeys } from './window-keys.js';
import {
  registerWindowScripts,
  type ScriptedPipeline,
  type ScriptedRedis,
  type SeriesKeys,
} from './window-scripts.js';

/** Keys outlive their ring by this much, so a quiet series is not lost between two writes. */
const TTL_MARGIN_MS = 10 * 60_000;

export class RedisWindowStore implements WindowStore {
  private readonly redis: ScriptedRedis;
  private readonly keys: WindowKeys;

  constructor(
    private readonly client: RedisClient,
    keyPrefix: string,
    private readonly options: WindowStoreOptions,
    /** The clock of write times (the active-series index), as the in-memory store takes it. */
    private readonly now: () => number = Date.now,
  ) {
    this.redis = registerWindowScripts(client);
    this.keys = new WindowKeys(keyPrefix);
  }

  /** Series keys live in many slots: on a cluster, one pipeline per node. */
  private pipelined(commands: readonly SlotCommands<ScriptedPipeline>[]) {
    return execPipelines(this.client, () => this.redis.pipeline(), commands);
  }

  async readFences(seriesIds: readonly string[], source: SourcePartition): Promise<Map<string, number>> {
    const fences = new Map<string, number>();
    if (seriesIds.length === 0) return fences;
    const field = this.keys.fenceField(source);
    const replies = await this.pipelined(
      seriesIds.map((id) => {
        const key = this.keys.sketches(id, COARSE);
        return { key, queue: (pipeline) => pipeline.hget(key, field) };
      }),
    );
    seriesIds.forEach((id, i) => {
      const [error, value] = replies[i]?.[0] ?? [new Error('no reply'), null];
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
    const field = this.keys.fenceField(source);
    const thresholds = this.options.thresholdsMs.length;
    const commands: SlotCommands<ScriptedPipeline>[] = deltas.map((delta) => {
      const args: (string | number)[] = [
        field,
        expectedFences.get(delta.id) ?? -1,
        newFence,
        FINE.slots * FINE.bucketMs + TTL_MARGIN_MS,
        COARSE.slots * COARSE.bucketMs + TTL_MARGIN_MS,
        thresholds,
        FINE.slots,
        COARSE.slots,
      ];
      for (const resolution of RESOLUTIONS)
        appendBuckets(args, delta.buckets.get(resolution.name), resolution);
      const keys: SeriesKeys = [
        this.keys.counts(delta.id, FINE),
        this.keys.sketches(delta.id, FINE),
        this.keys.counts(delta.id, COARSE),
        this.keys.sketches(delta.id, COARSE),
      ];
      return { key: keys[0], queue: (pipeline) => pipeline.applySeriesDelta(...keys, ...args) };
    });
    // Index of active series: a separate key (another cluster slot), so outside the atomic step;
    // ZADD is idempotent, so a crash between the two only delays when a series shows as active.
    const now = this.now();
    const zadd: (string | number)[] = [];
    for (const delta of deltas) zadd.push(now, delta.id);
    const activeSeries = this.keys.activeSeries();
    commands.push({ key: activeSeries, queue: (pipeline) => pipeline.zadd(activeSeries, ...zadd) });

    const replies = await this.pipelined(commands);
    deltas.forEach((delta, i) => {
      const [error, reply] = replies[i]?.[0] ?? [new Error('no reply'), null];
      if (error) throw error;
      const [status, value] = reply as [number, number];
      outcomes.set(
        delta.id,
        status === 1
          ? { status: 'applied', droppedBuckets: value }
          : { status: 'conflict', currentFence: value },
      );
    });
    const [zaddError] = replies[deltas.length]?.[0] ?? [null];
    if (zaddError) throw zaddError;
    return outcomes;
  }

  async readWindow(
    series: SeriesRef,
    windowMs: number,
    nowMs: number,
    options: ReadWindowOptions = {},
  ): Promise<BucketCounters> {
    const resolution = options.coarse === true ? COARSE : resolutionFor(windowMs);
    const id = seriesId(series);
    const withSketch = options.sketch ?? true;
    const pipeline = this.redis.pipeline().getBuffer(this.keys.counts(id, resolution));
    if (withSketch) pipeline.hgetall(this.keys.sketches(id, resolution));
    const [[countsError, ring] = [null, null], [sketchError, sketches] = [null, null]] =
      (await pipeline.exec()) ?? [];
    if (countsError) throw countsError;
    if (sketchError) throw sketchError;
    const totals = emptyCounters(this.options.thresholdsMs.length);
    if (ring instanceof Buffer) addRingCounters(totals, ring, resolution, windowMs, nowMs);
    if (withSketch && sketches !== null) {
      addRingSketches(totals, sketches as Record<string, string>, resolution, windowMs, nowMs);
    }
    return totals;
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
