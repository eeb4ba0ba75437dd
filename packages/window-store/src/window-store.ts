import type { BucketCounters, Resolution, SeriesDelta, SeriesRef } from '@budgetwatch/domain';

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
export interface WindowStore {
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
  /** Series seen since `sinceMs` (by write time). */
  activeSeries(sinceMs: number): Promise<SeriesRef[]>;
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
}

export type { Resolution };
