import {
  AdmissionLedger,
  type AdmissionVerdict,
  type BucketCounters,
  bucketIndex,
  COARSE,
  cardinalityLimits,
  emptyCounters,
  IN_MEMORY_CARDINALITY_LIMITS,
  isWithinRing,
  mergeCounters,
  RESOLUTIONS,
  type Resolution,
  resolutionFor,
  rollupOf,
  type SeriesDelta,
  type SeriesRef,
  seriesId,
  seriesLifetimeMs,
  slotOf,
  windowBucketRange,
} from '@budgetwatch/domain';
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

/** One slot of a ring: the bucket it holds now and that bucket's counters. */
interface Slot {
  index: number;
  counters: BucketCounters;
}

/** A content's claim: the position holding it, until when (the store's clock). */
interface HeldClaim {
  position: string;
  expiresAtMs: number;
}

interface StoredSeries {
  /** The series itself, kept parsed: listing 50,000 active series must not parse 50,000 ids. */
  ref: SeriesRef;
  /** Last applied offset per source partition. */
  fences: Map<string, number>;
  rings: Map<Resolution['name'], Map<number, Slot>>;
  lastWriteMs: number;
  /** How long it stays known after its last write (seriesLifetimeMs). */
  lifetimeMs: number;
}

/**
 * The window store of the all-in-one mode: the same rings, fences and semantics as the Redis store
 * (a slot holds one bucket; a newer bucket overwrites it, an older one is dropped), kept in this
 * process. Nothing survives a restart, which is the trade the embedded mode makes.
 */
export class InMemoryWindowStore implements WindowStore {
  private readonly series = new Map<string, StoredSeries>();
  private readonly forgetting = new ForgetSchedule();
  private readonly admission: AdmissionLedger;
  /** By content key, oldest claim first: expired claims are dropped from the front. */
  private readonly claims = new Map<string, HeldClaim>();

  constructor(
    private readonly options: WindowStoreOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.admission = new AdmissionLedger(
      cardinalityLimits(IN_MEMORY_CARDINALITY_LIMITS, options.cardinality),
    );
  }

  async admitSeries(requests: readonly AdmissionRequest[]): Promise<AdmissionVerdict[]> {
    return requests.map(({ series, unregistered }) =>
      this.admission.admit(seriesId(series), seriesId(rollupOf(series)), unregistered),
    );
  }

  async readFences(seriesIds: readonly string[], source: SourcePartition): Promise<Map<string, number>> {
    const field = fenceField(source);
    return new Map(seriesIds.map((id) => [id, this.series.get(id)?.fences.get(field) ?? -1]));
  }

  async applyDeltas(
    deltas: readonly SeriesDelta[],
    source: SourcePartition,
    expectedFences: ReadonlyMap<string, number>,
    newFence: number,
  ): Promise<Map<string, ApplyOutcome>> {
    const field = fenceField(source);
    const now = this.now();
    const outcomes = new Map<string, ApplyOutcome>();
    for (const delta of deltas) {
      const stored = this.series.get(delta.id) ?? newSeries(delta.series);
      const current = stored.fences.get(field) ?? -1;
      if (current !== (expectedFences.get(delta.id) ?? -1)) {
        outcomes.set(delta.id, { status: 'conflict', currentFence: current });
        continue;
      }
      let dropped = 0;
      for (const resolution of RESOLUTIONS) {
        const ring = stored.rings.get(resolution.name) as Map<number, Slot>;
        for (const [index, counters] of delta.buckets.get(resolution.name) ?? []) {
          const slot = slotOf(index, resolution);
          const held = ring.get(slot);
          if (held !== undefined && held.index > index) {
            dropped += 1;
            continue;
          }
          const target =
            held !== undefined && held.index === index
              ? held.counters
              : emptyCounters(this.options.thresholdsMs.length);
          mergeCounters(target, counters);
          ring.set(slot, { index, counters: target });
        }
      }
      stored.fences.set(field, newFence);
      stored.lastWriteMs = now;
      this.series.set(delta.id, stored);
      outcomes.set(delta.id, { status: 'applied', droppedBuckets: dropped });
    }
    if (this.forgetting.due(now)) await this.forgetQuietSeries();
    return outcomes;
  }

  async readWindow(
    series: SeriesRef,
    windowMs: number,
    nowMs: number,
    options: ReadWindowOptions = {},
  ): Promise<BucketCounters> {
    const resolution = options.coarse === true ? COARSE : resolutionFor(windowMs);
    const totals = emptyCounters(this.options.thresholdsMs.length);
    const ring = this.series.get(seriesId(series))?.rings.get(resolution.name);
    if (ring === undefined) return totals;
    const { first, last } = windowBucketRange(windowMs, nowMs, resolution);
    for (const { index, counters } of ring.values()) {
      if (index < first || index > last) continue;
      mergeCounters(totals, counters);
    }
    if (options.sketch === false) totals.sketch = new Map();
    return totals;
  }

  async readBuckets(
    series: SeriesRef,
    resolution: Resolution,
    nowMs: number,
    options: Pick<ReadWindowOptions, 'sketch'> = {},
  ): Promise<StoredBucket[]> {
    const ring = this.series.get(seriesId(series))?.rings.get(resolution.name);
    if (ring === undefined) return [];
    const last = bucketIndex(nowMs, resolution);
    const buckets: StoredBucket[] = [];
    for (const { index, counters } of ring.values()) {
      if (index > last || !isWithinRing(index, nowMs, resolution)) continue;
      const copy = emptyCounters(this.options.thresholdsMs.length);
      mergeCounters(copy, counters);
      if (options.sketch === false) copy.sketch = new Map();
      buckets.push({ index, counters: copy });
    }
    return buckets.sort((a, b) => a.index - b.index);
  }

  async activeSeries(sinceMs: number): Promise<SeriesRef[]> {
    const now = this.now();
    const active: SeriesRef[] = [];
    for (const stored of this.series.values()) {
      if (stored.lastWriteMs >= sinceMs && !isQuiet(stored, now)) active.push(stored.ref);
    }
    return active;
  }

  async forgetQuietSeries(): Promise<number> {
    const now = this.now();
    let forgotten = 0;
    for (const [id, stored] of this.series) {
      if (!isQuiet(stored, now)) continue;
      this.series.delete(id);
      this.release(id, stored.ref);
      forgotten += 1;
    }
    return forgotten;
  }

  async claimRecords(claims: readonly RecordClaim[], windowMs: number): Promise<boolean[]> {
    const now = this.now();
    this.forgetExpiredClaims(now);
    return claims.map((claim) => {
      const position = claimPosition(claim);
      const held = this.claims.get(claim.contentKey);
      if (held !== undefined && held.expiresAtMs > now) return held.position === position;
      // Taken afresh: to the back, so the map stays in order of expiry.
      this.claims.delete(claim.contentKey);
      this.claims.set(claim.contentKey, { position, expiresAtMs: now + windowMs });
      return true;
    });
  }

  /**
   * Drops expired claims from the front. With one window and a clock that does not go back, the
   * map is in order of expiry; otherwise a few expired claims wait a little longer (a lookup
   * treats them as gone either way).
   */
  private forgetExpiredClaims(nowMs: number): void {
    for (const [key, held] of this.claims) {
      if (held.expiresAtMs > nowMs) return;
      this.claims.delete(key);
    }
  }

  /** Record contents claimed and not yet expired, or expired and not yet dropped. */
  get claimCount(): number {
    return this.claims.size;
  }

  /** A forgotten series frees its admission: a tool its slot, a rollup its server's tracking. */
  private release(id: string, series: SeriesRef): void {
    if (series.tool === null) this.admission.releaseServer(id);
    else this.admission.releaseTool(id, seriesId(rollupOf(series)));
  }

  /** Tool series admitted and unregistered servers tracked (the cardinality caps' usage). */
  get admissionUsage(): { toolSeries: number; unregisteredServers: number } {
    return this.admission.usage;
  }

  /** How many series are held: what the embedded mode's memory grows with. */
  get size(): number {
    return this.series.size;
  }
}

/** Quiet for longer than its lifetime: gone from the index, to be forgotten. */
function isQuiet(stored: StoredSeries, nowMs: number): boolean {
  return nowMs - stored.lastWriteMs > stored.lifetimeMs;
}

function newSeries(ref: SeriesRef): StoredSeries {
  return {
    ref: { server: ref.server, tool: ref.tool, drill: ref.drill },
    fences: new Map(),
    rings: new Map(RESOLUTIONS.map((resolution) => [resolution.name, new Map<number, Slot>()])),
    lastWriteMs: 0,
    lifetimeMs: seriesLifetimeMs(ref),
  };
}

function fenceField(source: SourcePartition): string {
  return `${source.topic}\u0000${source.partition}`;
}
