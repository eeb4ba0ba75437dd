import {
  type BucketCounters,
  bucketIndex,
  decodeSketch,
  emptyCounters,
  isWithinRing,
  type Resolution,
  windowBucketRange,
} from '@budgetwatch/domain';
import type { StoredBucket } from '../window-store.js';

/**
 * Reading the two per-resolution structures apply-series-delta-4.lua writes: the counter ring, a
 * string of fixed-width slots of unsigned 32-bit little-endian words (bucket index, calls, errors,
 * blocked expected, blocked unexpected, fallbacks, slow per threshold), and the sketch hash, a
 * field `s<slot>` = "<index>,<compacted>|<sketch>" per slot.
 */

const COUNTERS_BEFORE_SLOW = 5;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Words per slot for `thresholdCount` latency thresholds: the index, then the counters. */
export function slotWords(thresholdCount: number): number {
  return 1 + COUNTERS_BEFORE_SLOW + thresholdCount;
}

/** The ring's words, without copying when the reply is aligned on a little-endian host. */
function ringWords(ring: Buffer): Uint32Array {
  const length = Math.floor(ring.byteLength / 4);
  if (LITTLE_ENDIAN_HOST && ring.byteOffset % 4 === 0)
    return new Uint32Array(ring.buffer, ring.byteOffset, length);
  const words = new Uint32Array(length);
  for (let i = 0; i < length; i++) words[i] = ring.readUInt32LE(i * 4);
  return words;
}

/** Adds the counters of the ring's slots whose bucket falls in the window to `totals`. */
export function addRingCounters(
  totals: BucketCounters,
  ring: Buffer,
  resolution: Resolution,
  windowMs: number,
  nowMs: number,
): void {
  const { first, last } = windowBucketRange(windowMs, nowMs, resolution);
  const words = ringWords(ring);
  const thresholdCount = totals.slow.length;
  const width = slotWords(thresholdCount);
  for (let base = 0; base + width <= words.length; base += width) {
    const index = words[base] as number;
    if (index < first || index > last) continue;
    totals.calls += words[base + 1] as number;
    totals.errors += words[base + 2] as number;
    totals.blockedExpected += words[base + 3] as number;
    totals.blockedUnexpected += words[base + 4] as number;
    totals.fallbacks += words[base + 5] as number;
    for (let k = 0; k < thresholdCount; k++) {
      totals.slow[k] = (totals.slow[k] as number) + (words[base + 6 + k] as number);
    }
  }
}

/** Merges the sketches of the slots whose bucket falls in the window into `totals.sketch`. */
export function addRingSketches(
  totals: BucketCounters,
  sketches: Record<string, string>,
  resolution: Resolution,
  windowMs: number,
  nowMs: number,
): void {
  const { first, last } = windowBucketRange(windowMs, nowMs, resolution);
  for (const field in sketches) {
    if (field.charCodeAt(0) !== 115 /* s */) continue;
    const value = sketches[field] as string;
    const index = Number(value.slice(0, value.indexOf(',')));
    if (!(index >= first && index <= last)) continue;
    decodeSketch(value.slice(value.indexOf('|') + 1), totals.sketch);
  }
}

/**
 * Each slot's bucket still within the ring at `nowMs` and not after it, oldest first, with its
 * own counters and (when `sketches` is given) its sketch.
 */
export function ringBuckets(
  ring: Buffer,
  sketches: Record<string, string> | null,
  resolution: Resolution,
  thresholdCount: number,
  nowMs: number,
): StoredBucket[] {
  const last = bucketIndex(nowMs, resolution);
  const held = (index: number) => index <= last && isWithinRing(index, nowMs, resolution);
  const words = ringWords(ring);
  const width = slotWords(thresholdCount);
  const byIndex = new Map<number, BucketCounters>();
  for (let base = 0; base + width <= words.length; base += width) {
    const index = words[base] as number;
    // A slot never written holds only zeros: index 0 is the epoch's first bucket, never held.
    if (!held(index)) continue;
    const counters = emptyCounters(thresholdCount);
    counters.calls = words[base + 1] as number;
    counters.errors = words[base + 2] as number;
    counters.blockedExpected = words[base + 3] as number;
    counters.blockedUnexpected = words[base + 4] as number;
    counters.fallbacks = words[base + 5] as number;
    for (let k = 0; k < thresholdCount; k++) counters.slow[k] = words[base + 6 + k] as number;
    byIndex.set(index, counters);
  }
  for (const field in sketches ?? {}) {
    if (field.charCodeAt(0) !== 115 /* s */) continue;
    const value = (sketches as Record<string, string>)[field] as string;
    const counters = byIndex.get(Number(value.slice(0, value.indexOf(','))));
    if (counters !== undefined) decodeSketch(value.slice(value.indexOf('|') + 1), counters.sketch);
  }
  return [...byIndex].sort(([a], [b]) => a - b).map(([index, counters]) => ({ index, counters }));
}
