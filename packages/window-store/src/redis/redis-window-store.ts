import {
  type AdmissionVerdict,
  type BucketCounters,
  COARSE,
  cardinalityLimits,
  emptyCounters,
  encodeSketch,
  FINE,
  parseSeriesId,
  REDIS_CARDINALITY_LIMITS,
  RESOLUTIONS,
  type Resolution,
  resolutionFor,
  SERIES_EXPIRY_MARGIN_MS,
  type SeriesDelta,
  type SeriesRef,
  seriesId,
  seriesLifetimeMs,
  slotOf,
} from '@budgetwatch/domain';
import { execPipelines, type PipelineReply, type RedisClient, type SlotCommands } from '@budgetwatch/redis';
import { ForgetSchedule } from '../forget-schedule.js';
import { claimPosition, type RecordClaim } from '../record-claim.js';
import type {
  AdmissionRequest,
  ApplyOutcome,
  ReadWindowOptions,
  SourcePartition,
  StoredBucket,
  WindowStore,
  WindowStoreOptions,
} from '../window-store.js';
import { addRingCounters, addRingSketches, ringBuckets } from './ring-layout.js';
import { RedisSeriesAdmission } from './series-admission.js';
import { WindowKeys } from './window-keys.js';
import { registerWindowScripts, type ScriptedPipeline, type ScriptedRedis } from './window-scripts.js';

/** Series taken off an index per round trip when forgetting: a short step however much piled up. */
const FORGET_BATCH = 500;
/** The two active-series indexes: production series, and drill series (forgotten much sooner). */
const INDEXES = [{ drill: false }, { drill: true }] as const;

/**
 * Series live in Redis as four keys sharing the series' hash tag, plus an entry in one of two
 * active-series indexes (production, drill). A series quiet for longer than its lifetime is
 * forgotten in two steps, each on one slot: its index entry goes, then its keys, unless a write
 * came in between (see forget-series-keys-1.lua). The keys' TTLs are the backstop for when nothing
 * writes, and so nothing forgets.
 */
export class RedisWindowStore implements WindowStore {
  private readonly redis: ScriptedRedis;
  private readonly keys: WindowKeys;
  private readonly forgetting = new ForgetSchedule();
  private readonly admission: RedisSeriesAdmission;

  constructor(
    private readonly client: RedisClient,
    keyPrefix: string,
    private readonly options: WindowStoreOptions,
    /** The clock of write times (the active-series index), as the in-memory store takes it. */
    private readonly now: () => number = Date.now,
  ) {
    this.redis = registerWindowScripts(client);
    this.keys = new WindowKeys(keyPrefix);
    this.admission = new RedisSeriesAdmission(
      this.redis,
      this.keys,
      cardinalityLimits(REDIS_CARDINALITY_LIMITS, options.cardinality),
    );
  }

  admitSeries(requests: readonly AdmissionRequest[]): Promise<AdmissionVerdict[]> {
    return this.admission.admit(requests, this.now());
  }

  /** Tool series admitted and unregistered servers tracked, over every writer (the caps' usage). */
  admissionUsage(): Promise<{ toolSeries: number; unregisteredServers: number }> {
    return this.admission.usage();
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
      const value = onlyReply(replies[i]);
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
    const now = this.now();
    const commands: SlotCommands<ScriptedPipeline>[] = deltas.map((delta) => {
      const lifetimeMs = seriesLifetimeMs(delta.series);
      const args: (string | number)[] = [
        field,
        expectedFences.get(delta.id) ?? -1,
        newFence,
        keyTtlMs(FINE, lifetimeMs),
        keyTtlMs(COARSE, lifetimeMs),
        thresholds,
        FINE.slots,
        COARSE.slots,
        this.keys.lastWriteField,
        now,
      ];
      for (const resolution of RESOLUTIONS)
        appendBuckets(args, delta.buckets.get(resolution.name), resolution);
      const keys = this.keys.series(delta.id);
      return { key: keys[0], queue: (pipeline) => pipeline.applySeriesDelta(...keys, ...args) };
    });
    // Indexes of active series: separate keys (other cluster slots), so outside the atomic step;
    // ZADD is idempotent, so a crash between the two only delays when a series shows as active.
    for (const { drill } of INDEXES) {
      const zadd: (string | number)[] = [];
      for (const delta of deltas) if (delta.series.drill === drill) zadd.push(now, delta.id);
      const index = this.keys.activeSeries(drill);
      if (zadd.length > 0) commands.push({ key: index, queue: (pipeline) => pipeline.zadd(index, ...zadd) });
    }

    const replies = await this.pipelined(commands);
    deltas.forEach((delta, i) => {
      const [status, value] = onlyReply(replies[i]) as [number, number];
      outcomes.set(
        delta.id,
        status === 1
          ? { status: 'applied', droppedBuckets: value }
          : { status: 'conflict', currentFence: value },
      );
    });
    for (let i = deltas.length; i < commands.length; i++) onlyReply(replies[i]);
    // Should forgetting fail, so does this write, and the worker retries it: the fences, already
    // moved, make the retry count nothing twice.
    if (this.forgetting.due(now)) await this.forgetQuietSeries();
    return outcomes;
  }

  /**
   * One key per content, `SET NX GET` with the window as its TTL: one command per record, in one
   * pipeline per batch (per node on a cluster, where contents spread over the slots). A claim
   * answers its position's claim, or the one found; it never refreshes a claim's TTL.
   */
  async claimRecords(claims: readonly RecordClaim[], windowMs: number): Promise<boolean[]> {
    if (claims.length === 0) return [];
    const positions = claims.map(claimPosition);
    const replies = await this.pipelined(
      claims.map((claim, i) => {
        const key = this.keys.recordClaim(claim.contentKey);
        const position = positions[i] as string;
        return { key, queue: (pipeline) => pipeline.set(key, position, 'PX', windowMs, 'NX', 'GET') };
      }),
    );
    return replies.map((reply, i) => {
      const held = onlyReply(reply);
      return held === null || held === positions[i];
    });
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
    const { ring, sketches } = await this.readRing(id, resolution, withSketch);
    const totals = emptyCounters(this.options.thresholdsMs.length);
    if (ring !== null) addRingCounters(totals, ring, resolution, windowMs, nowMs);
    if (sketches !== null) addRingSketches(totals, sketches, resolution, windowMs, nowMs);
    return totals;
  }

  /** A series' ring of counters at one resolution, and its sketches when asked: one round trip. */
  private async readRing(
    id: string,
    resolution: Resolution,
    withSketch: boolean,
  ): Promise<{ ring: Buffer | null; sketches: Record<string, string> | null }> {
    const pipeline = this.redis.pipeline().getBuffer(this.keys.counts(id, resolution));
    if (withSketch) pipeline.hgetall(this.keys.sketches(id, resolution));
    const [[countsError, ring] = [null, null], [sketchError, sketches] = [null, null]] =
      (await pipeline.exec()) ?? [];
    if (countsError) throw countsError;
    if (sketchError) throw sketchError;
    return {
      ring: ring instanceof Buffer ? ring : null,
      sketches: withSketch ? ((sketches as Record<string, string> | null) ?? null) : null,
    };
  }

  async readBuckets(
    series: SeriesRef,
    resolution: Resolution,
    nowMs: number,
    options: Pick<ReadWindowOptions, 'sketch'> = {},
  ): Promise<StoredBucket[]> {
    const id = seriesId(series);
    const withSketch = options.sketch ?? true;
    const { ring, sketches } = await this.readRing(id, resolution, withSketch);
    if (ring === null) return [];
    return ringBuckets(ring, sketches, resolution, this.options.thresholdsMs.length, nowMs);
  }

  async activeSeries(sinceMs: number): Promise<SeriesRef[]> {
    const now = this.now();
    const replies = await this.pipelined(
      INDEXES.map((kind) => {
        const index = this.keys.activeSeries(kind.drill);
        // Quiet past their lifetime counts as gone, whether or not a write has forgotten it yet.
        const from = Math.max(sinceMs, now - seriesLifetimeMs(kind));
        return { key: index, queue: (pipeline) => pipeline.zrangebyscore(index, from, '+inf') };
      }),
    );
    return replies.flatMap((reply) => (onlyReply(reply) as string[]).map(parseSeriesId));
  }

  async forgetQuietSeries(): Promise<number> {
    const now = this.now();
    this.admission.dropExpired(now);
    const forgotten = await Promise.all(
      INDEXES.map((kind) => this.forgetQuietSince(kind.drill, now - seriesLifetimeMs(kind))),
    );
    return forgotten.reduce((sum, count) => sum + count, 0);
  }

  /** Forgets the series of one index last written before `cutoffMs`, a batch at a time. */
  private async forgetQuietSince(drill: boolean, cutoffMs: number): Promise<number> {
    const index = this.keys.activeSeries(drill);
    let forgotten = 0;
    for (;;) {
      // Off the index first, in one step that also names what went, so concurrent forgetters
      // share out the work; a crash before the keys go leaves them to their TTL.
      const ids = await this.redis.pruneSeriesIndex(index, cutoffMs, FORGET_BATCH);
      const replies = await this.pipelined(
        ids.map((id) => {
          const keys = this.keys.series(id);
          return {
            key: keys[0],
            queue: (pipeline) => pipeline.forgetSeriesKeys(...keys, this.keys.lastWriteField, cutoffMs),
          };
        }),
      );
      // Deleted, or nothing left to delete: the series is gone, and frees its admission. A series
      // written since it was taken off the index stays, and stays admitted.
      await this.admission.release(ids.filter((_, i) => onlyReply(replies[i]) !== 0));
      forgotten += ids.length;
      if (ids.length < FORGET_BATCH) return forgotten;
    }
  }
}

/**
 * How long a series' keys of one resolution live without writes: a margin past the series'
 * lifetime, or past the ring's span if that is shorter (the fine ring holds only 2h).
 */
function keyTtlMs(resolution: Resolution, lifetimeMs: number): number {
  return Math.min(resolution.slots * resolution.bucketMs, lifetimeMs) + SERIES_EXPIRY_MARGIN_MS;
}

/** The result of a pipeline entry that queued one command; its error is thrown. */
function onlyReply(replies: PipelineReply[] | undefined): unknown {
  const [error, result] = replies?.[0] ?? [new Error('no reply'), null];
  if (error) throw error;
  return result;
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
