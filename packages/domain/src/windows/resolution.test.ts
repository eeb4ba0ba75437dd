import { describe, expect, it } from 'vitest';
import {
  bucketIndex,
  COARSE,
  FINE,
  isWithinRing,
  resolutionFor,
  slotOf,
  windowBucketRange,
} from './resolution.js';

describe('time buckets', () => {
  it('meets the resolution contract: <= 1 min up to 2h, <= 5 min up to 24h', () => {
    expect(resolutionFor(2 * 3600_000)).toBe(FINE);
    expect(resolutionFor(2 * 3600_000 + 1)).toBe(COARSE);
    expect(resolutionFor(24 * 3600_000)).toBe(COARSE);
    expect(() => resolutionFor(24 * 3600_000 + 1)).toThrow(/longer than 24h/);
    expect(() => resolutionFor(0)).toThrow(RangeError);
    expect(FINE.bucketMs).toBeLessThanOrEqual(60_000);
    expect(COARSE.bucketMs).toBeLessThanOrEqual(300_000);
    expect(FINE.slots * FINE.bucketMs).toBeGreaterThan(FINE.maxWindowMs);
    expect(COARSE.slots * COARSE.bucketMs).toBeGreaterThan(COARSE.maxWindowMs);
  });

  it('a 2h window is 120 one-minute buckets ending with the current one', () => {
    const now = 1_800_000_030_000;
    const range = windowBucketRange(2 * 3600_000, now, FINE);
    expect(range.last).toBe(bucketIndex(now, FINE));
    expect(range.last - range.first + 1).toBe(120);
  });

  it('slots wrap around the ring and stay non-negative', () => {
    expect(slotOf(FINE.slots, FINE)).toBe(0);
    expect(slotOf(-1, FINE)).toBe(FINE.slots - 1);
  });

  it('a bucket leaves the ring exactly one ring length after now', () => {
    const now = 1_800_000_000_000;
    const current = bucketIndex(now, FINE);
    expect(isWithinRing(current - FINE.slots + 1, now, FINE)).toBe(true);
    expect(isWithinRing(current - FINE.slots, now, FINE)).toBe(false);
  });
});
