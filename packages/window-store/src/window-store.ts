import type {
  AdmissionVerdict,
  BucketCounters,
  CardinalityLimits,
  Resolution,
  SeriesDelta,
  SeriesRef,
} from '@budgetwatch/domain';
import type { RecordClaim } from './record-claim.js';

/** A Kafka partition a batch came from; fences are kept per source partition. */
export interface SourcePartition {
  topic: string;
  partition: number;
}

export type ApplyOutcome =
  | { status: 'applied'; droppedBuckets: number }
  /** The series' fence moved since it was read (another worker wrote): re-read and retry. */
  | { status: 'conflict'; currentFence: number };

/**
 * Where bucket counters live. The Redis implementation is the reference; an in-memory one serves
 * the all-in-one mode. Every write is fenced by the last applied offset of its source partition,
 * which makes redelivered records harmless.
 */
/** A tool series that calls are about to be counted in. */
export interface AdmissionRequest {
  /** A tool series (never a rollup). */
  series: SeriesRef;
  /** Whether its server is unregistered (not in the inventory). */
  unregistered: boolean;
}

export interface WindowStore {
  /**
   * Where each tool series' calls count, within `WindowStoreOptions.cardinality`: admitted series
   * count in their own series and stay admitted until they are forgotten; the others count in an
   * overflow series (decideAdmission in packages/domain). Every writer of one store decides alike.
   */
  admitSeries(requests: readonly AdmissionRequest[]): Promise<AdmissionVerdict[]>;
  /** The last applied offset of `source` for each series (-1 when none). */
  readFences(seriesIds: readonly string[], source: SourcePartition): Promise<Map<string, number>>;
  /**
   * Adds each delta atomically per series, if that series' fence still equals `expectedFences`;
   * then sets the fence to `newFence`.
   */
  applyDeltas(
    deltas: readonly SeriesDelta[],
    source: SourcePartition,
    expectedFences: ReadonlyMap<string, number>,
    newFence: number,
  ): Promise<Map<string, ApplyOutcome>>;
  /**
   * Sum of the counters of the trailing window ending at `nowMs`; the latency sketch only when
   * `options.sketch` is not false (rules decide on counters; the sketch is for display).
   */
  readWindow(
    series: SeriesRef,
    windowMs: number,
    nowMs: number,
    options?: ReadWindowOptions,
  ): Promise<BucketCounters>;
  /**
   * Each bucket of one resolution's ring still held at `nowMs` (not overwritten, not after
   * `nowMs`), oldest first, with its own counters: the history charts fold them into trailing
   * windows (packages/domain, rule-history.ts). The sketch only when `options.sketch` is not false.
   */
  readBuckets(
    series: SeriesRef,
    resolution: Resolution,
    nowMs: number,
    options?: Pick<ReadWindowOptions, 'sketch'>,
  ): Promise<StoredBucket[]>;
  /**
   * Series written since `sinceMs` (by write time, the store's clock). A series quiet for longer
   * than its lifetime (`seriesLifetimeMs`: 24h10m, a drill series 1h) is never listed, whether or
   * not it has been forgotten yet.
   */
  activeSeries(sinceMs: number): Promise<SeriesRef[]>;
  /**
   * Forgets the series quiet for longer than their lifetime: they leave the index, and their
   * counters and fences are dropped (a series written again starts afresh). Writes do this by
   * themselves, at most every `FORGET_EVERY_MS` (forget-schedule.ts). Returns how many series it
   * found quiet (a write racing with it may keep one of them).
   */
  forgetQuietSeries(): Promise<number>;
  /**
   * Claims each record's content for the position it was read at, for `windowMs` from the first
   * claim (docs/operations.md, Delivery guarantees). Per claim, in order: true when its position
   * holds the claim (the content is new, or this same position claimed it before: a redelivery),
   * false when another position claimed the same content first (a duplicate, not to be counted).
   * A claim is never undone: the position holding it is read again until its calls are written
   * (its offset is committed only then), so a crash between claim and write loses nothing, and
   * the fences keep the redelivery from counting twice.
   */
  claimRecords(claims: readonly RecordClaim[], windowMs: number): Promise<boolean[]>;
}

/** One bucket of a ring: its index (time / bucketMs) and its counters. */
export interface StoredBucket {
  index: number;
  counters: BucketCounters;
}

export interface ReadWindowOptions {
  /** Read the latency sketch too (default true). */
  sketch?: boolean;
  /**
   * Read the five-minute ring even for a window of 2h or less: a short window ending up to 24h
   * ago (the one-minute ring only reaches back 2h).
   */
  coarse?: boolean;
}

export interface WindowStoreOptions {
  /** Latency thresholds (ms) with exact slow counters, in a fixed order. */
  thresholdsMs: readonly number[];
  /** The caps on series; a cap not given is the store's default (IN_MEMORY_ or REDIS_CARDINALITY_LIMITS). */
  cardinality?: { readonly [Cap in keyof CardinalityLimits]?: number | undefined };
}

export type { Resolution };
