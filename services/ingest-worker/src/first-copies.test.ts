import { InMemoryWindowStore } from '@budgetwatch/window-store';
import { describe, expect, it } from 'vitest';
import { firstCopies } from './first-copies.js';

const WINDOW_MS = 60_000;
const record = (offset: number, text: string | null) => ({
  offset: String(offset),
  value: text === null ? null : Buffer.from(text),
});
const offsets = (records: readonly { offset: string }[]) => records.map((r) => Number(r.offset));

describe('firstCopies', () => {
  it('keeps the first copy of each record, across batches, partitions and redeliveries', async () => {
    const store = new InMemoryWindowStore({ thresholdsMs: [3000] });
    const p0 = { topic: 'spans', partition: 0 };
    const p1 = { topic: 'spans', partition: 1 };

    const first = await firstCopies(store, p0, [record(0, 'a'), record(1, 'b'), record(2, 'a')], WINDOW_MS);
    expect(offsets(first.records)).toEqual([0, 1]);
    expect(first.duplicates).toBe(1);

    // Another partition (another worker) reads copies of a and b, and a new record.
    const other = await firstCopies(store, p1, [record(0, 'b'), record(1, 'c'), record(2, 'a')], WINDOW_MS);
    expect(offsets(other.records)).toEqual([1]);
    expect(other.duplicates).toBe(2);

    // Partition 0 read again from the start (a crash before its commit): the same records count,
    // and the fences keep them from counting twice.
    const again = await firstCopies(store, p0, [record(0, 'a'), record(1, 'b'), record(2, 'a')], WINDOW_MS);
    expect(offsets(again.records)).toEqual([0, 1]);
  });

  it('passes records without content on, for the dead letters', async () => {
    const store = new InMemoryWindowStore({ thresholdsMs: [3000] });
    const source = { topic: 'spans', partition: 0 };
    const result = await firstCopies(
      store,
      source,
      [record(0, null), record(1, null), record(2, '')],
      WINDOW_MS,
    );
    expect(offsets(result.records)).toEqual([0, 1, 2]);
    expect(result.duplicates).toBe(0);
  });

  it('claims nothing with the window at 0', async () => {
    const store = new InMemoryWindowStore({ thresholdsMs: [3000] });
    const source = { topic: 'spans', partition: 0 };
    const result = await firstCopies(store, source, [record(0, 'a'), record(1, 'a')], 0);
    expect(offsets(result.records)).toEqual([0, 1]);
    expect(store.claimCount).toBe(0);
  });
});
