import { copiesInBatch } from '@budgetwatch/domain';
import type { SourcePartition, WindowStore } from '@budgetwatch/window-store';
import type { SpanRecord } from './record-processor.js';

export interface FirstCopies<R> {
  /** The batch's records that count, in their order. */
  records: R[];
  /** Copies of a record already counted at another position (or earlier in this batch). */
  duplicates: number;
}

/**
 * The records of one batch of `source` that count: all but copies of a record (the same bytes)
 * that another position claimed within `dedupeWindowMs` (0: every record counts). Both ingest
 * paths decide here; the reasoning is in docs/operations.md, Delivery guarantees.
 */
export async function firstCopies<R extends Pick<SpanRecord, 'offset' | 'value'>>(
  store: WindowStore,
  source: SourcePartition,
  records: readonly R[],
  dedupeWindowMs: number,
): Promise<FirstCopies<R>> {
  if (dedupeWindowMs <= 0) return { records: [...records], duplicates: 0 };
  const { toClaim, copies } = copiesInBatch(records.map((record) => record.value));
  const held = await store.claimRecords(
    toClaim.map(({ index, contentKey }) => ({
      contentKey,
      source,
      offset: Number(records[index]?.offset),
    })),
    dedupeWindowMs,
  );
  const skipped = new Set(copies);
  toClaim.forEach(({ index }, i) => {
    if (held[i] !== true) skipped.add(index);
  });
  return {
    records: skipped.size === 0 ? [...records] : records.filter((_, index) => !skipped.has(index)),
    duplicates: skipped.size,
  };
}
