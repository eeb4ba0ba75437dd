/**
 * Two bucket resolutions: one-minute buckets serve windows up to 2h, five-minute buckets windows up
 * to 24h (docs/contract.md#3-windows-and-numbers). Each keeps a ring of slots a little longer than
 * its longest window so late spans still land in their event-time bucket.
 */
export interface Resolution {
  readonly name: 'fine' | 'coarse';
  readonly bucketMs: number;
  readonly slots: number;
  /** The longest window this resolution serves. */
  readonly maxWindowMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const FINE: Resolution = { name: 'fine', bucketMs: MINUTE, slots: 128, maxWindowMs: 2 * HOUR };
export const COARSE: Resolution = {
  name: 'coarse',
  bucketMs: 5 * MINUTE,
  slots: 296,
  maxWindowMs: 24 * HOUR,
};
export const RESOLUTIONS: readonly Resolution[] = [FINE, COARSE];

/** The largest window Budgetwatch keeps; spans older than this are not counted. */
export const MAX_WINDOW_MS = COARSE.maxWindowMs;

export function bucketIndex(timeMs: number, resolution: Resolution): number {
  return Math.floor(timeMs / resolution.bucketMs);
}

export function slotOf(index: number, resolution: Resolution): number {
  return ((index % resolution.slots) + resolution.slots) % resolution.slots;
}

/** The finest resolution that can serve a window of this length. */
export function resolutionFor(windowMs: number): Resolution {
  if (!(windowMs > 0)) throw new RangeError(`window must be positive, got ${windowMs} ms`);
  if (windowMs <= FINE.maxWindowMs) return FINE;
  if (windowMs <= COARSE.maxWindowMs) return COARSE;
  throw new RangeError(`windows longer than 24h are not kept (asked for ${windowMs} ms)`);
}

/**
 * The buckets of the trailing window ending at `nowMs`: the current (partial) bucket and the
 * whole buckets before it, `ceil(window / bucket)` in all.
 */
export function windowBucketRange(
  windowMs: number,
  nowMs: number,
  resolution: Resolution,
): { first: number; last: number } {
  const last = bucketIndex(nowMs, resolution);
  return { first: last - Math.ceil(windowMs / resolution.bucketMs) + 1, last };
}

/** Whether a bucket index can still be stored in its ring at `nowMs` (not yet overwritten). */
export function isWithinRing(index: number, nowMs: number, resolution: Resolution): boolean {
  return index > bucketIndex(nowMs, resolution) - resolution.slots;
}
