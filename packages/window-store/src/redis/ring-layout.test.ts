import { emptyCounters, FINE } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import { addRingCounters, addRingSketches, ringBuckets, slotWords } from './ring-layout.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 30);
const CURRENT = Math.floor(NOW / FINE.bucketMs);

/** A ring with the given (slot, words) entries, starting `shift` bytes into its backing buffer. */
function ring(entries: [number, number[]][], slots: number, shift = 0): Buffer {
  const width = slotWords(1) * 4;
  const backing = Buffer.alloc(shift + slots * width);
  for (const [slot, words] of entries) {
    for (const [k, word] of words.entries()) backing.writeUInt32LE(word, shift + slot * width + k * 4);
  }
  return backing.subarray(shift);
}

describe('counter ring', () => {
  const entries: [number, number[]][] = [
    [3, [CURRENT, 10, 1, 2, 3, 4, 5]],
    [2, [CURRENT - 1, 20, 2, 0, 0, 1, 7]],
    // One minute too old for a 2-minute window, and an empty slot (index 0).
    [1, [CURRENT - 2, 1000, 1000, 1000, 1000, 1000, 1000]],
  ];

  it.each([0, 1, 2, 3])('sums the slots inside the window (buffer shifted by %i bytes)', (shift) => {
    const totals = emptyCounters(1);
    addRingCounters(totals, ring(entries, 8, shift), FINE, 2 * FINE.bucketMs, NOW);
    expect(totals).toMatchObject({
      calls: 30,
      errors: 3,
      blockedExpected: 2,
      blockedUnexpected: 3,
      fallbacks: 5,
      slow: [12],
    });
  });

  it('ignores a trailing partial slot and an empty ring', () => {
    const totals = emptyCounters(1);
    addRingCounters(totals, ring(entries, 4).subarray(0, 3 * slotWords(1) * 4 + 5), FINE, 600_000, NOW);
    addRingCounters(totals, Buffer.alloc(0), FINE, 600_000, NOW);
    expect(totals.calls).toBe(1020);
  });

  it('merges only the sketches of buckets inside the window', () => {
    const totals = emptyCounters(1);
    addRingSketches(
      totals,
      {
        s3: `${CURRENT},7|10:2;11:1;10:1`,
        s2: `${CURRENT - 5},7|10:100`,
        'o:spans:0': '42',
      },
      FINE,
      2 * FINE.bucketMs,
      NOW,
    );
    expect([...totals.sketch]).toEqual([
      [10, 3],
      [11, 1],
    ]);
  });
});

describe('the buckets of a ring, one by one', () => {
  it('each held bucket with its own counters and sketch, oldest first; nothing unwritten, overwritten or ahead', () => {
    const buckets = ringBuckets(
      ring(
        [
          [3, [CURRENT, 10, 1, 2, 3, 4, 5]],
          [2, [CURRENT - 1, 20, 2, 0, 0, 1, 7]],
          // Ahead of `NOW` (a read of the past), and out of the ring at `NOW`.
          [4, [CURRENT + 1, 5, 0, 0, 0, 0, 0]],
          [5, [CURRENT - FINE.slots, 9, 0, 0, 0, 0, 0]],
          // Slots 0, 1, 6 and 7 were never written: index 0, zeros.
        ],
        8,
      ),
      { s3: `${CURRENT},7|10:2`, s2: `${CURRENT - 1},7|11:1`, s4: `${CURRENT + 1},7|12:5` },
      FINE,
      1,
      NOW,
    );
    expect(buckets.map((bucket) => bucket.index)).toEqual([CURRENT - 1, CURRENT]);
    expect(buckets[0]?.counters).toMatchObject({ calls: 20, errors: 2, fallbacks: 1, slow: [7] });
    expect([...(buckets[0]?.counters.sketch ?? [])]).toEqual([[11, 1]]);
    expect(buckets[1]?.counters).toMatchObject({
      calls: 10,
      blockedExpected: 2,
      blockedUnexpected: 3,
      slow: [5],
    });
    expect([...(buckets[1]?.counters.sketch ?? [])]).toEqual([[10, 2]]);
  });

  it('without sketches read, counters only', () => {
    const [bucket] = ringBuckets(ring([[3, [CURRENT, 10, 1, 2, 3, 4, 5]]], 4), null, FINE, 1, NOW);
    expect(bucket?.counters.calls).toBe(10);
    expect(bucket?.counters.sketch.size).toBe(0);
  });
});
