import {
  aggregateSeries,
  type OverflowCap,
  type PositionedCall,
  type SeriesDelta,
} from '@budgetwatch/domain';
import { admitCalls } from './admit-calls.js';
import type { SourcePartition, WindowStore } from './window-store.js';

const MAX_ATTEMPTS = 5;

export interface BatchWriteResult {
  /** Series written (tool series and server rollups). */
  seriesWritten: number;
  /** Calls newly counted (per tool series; rollups not double-counted here). */
  callsApplied: number;
  /** Calls skipped because an earlier delivery of their record was already counted. */
  callsAlreadyApplied: number;
  /** Buckets that had already left their ring when the write reached Redis. */
  droppedBuckets: number;
  /** Fence conflicts resolved by re-reading (another worker wrote the same series). */
  conflicts: number;
  /** Calls counted in an overflow series, by the cap that kept them out of their own. */
  overflowCalls: Partial<Record<OverflowCap, number>>;
}

/**
 * Last applied offset per (series, source partition), remembered between batches so the steady
 * state costs one Redis round trip per batch. It is only a hint: a stale entry makes the fenced
 * write fail and the fence is read again.
 */
export class FenceCache {
  private readonly fences = new Map<string, number>();

  private key(seriesId: string, source: SourcePartition): string {
    return `${source.topic}\u0000${source.partition}\u0000${seriesId}`;
  }

  get(seriesId: string, source: SourcePartition): number | undefined {
    return this.fences.get(this.key(seriesId, source));
  }

  set(seriesId: string, source: SourcePartition, offset: number): void {
    this.fences.set(this.key(seriesId, source), offset);
  }

  /** On rebalance: partitions may have moved, so forget everything. */
  clear(): void {
    this.fences.clear();
  }
}

/**
 * Writes the calls of one batch of one partition so that each record counts exactly once, however
 * often the batch (or an overlapping one) is delivered: per series, records at or below the stored
 * fence are skipped, and the fence moves to `lastOffset` in the same atomic step as the counters.
 * Calls of series the store does not admit (its cardinality caps) count in overflow series.
 */
export async function writeBatchExactlyOnce(
  store: WindowStore,
  source: SourcePartition,
  entries: readonly PositionedCall[],
  lastOffset: number,
  nowMs: number,
  thresholdsMs: readonly number[],
  cache: FenceCache = new FenceCache(),
): Promise<BatchWriteResult> {
  const admitted = await admitCalls(store, entries);
  const groups = admitted.groups;
  const result: BatchWriteResult = {
    seriesWritten: 0,
    callsApplied: 0,
    callsAlreadyApplied: 0,
    droppedBuckets: 0,
    conflicts: 0,
    overflowCalls: admitted.overflow,
  };

  const fences = new Map<string, number>();
  const unknown: string[] = [];
  for (const id of groups.keys()) {
    const cached = cache.get(id, source);
    if (cached === undefined) unknown.push(id);
    else fences.set(id, cached);
  }
  for (const [id, fence] of await store.readFences(unknown, source)) fences.set(id, fence);

  let pending = [...groups.keys()];
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_ATTEMPTS) {
      throw new Error(
        `fenced write still conflicting after ${MAX_ATTEMPTS} attempts for ${pending.length} series`,
      );
    }
    const deltas: SeriesDelta[] = [];
    for (const id of pending) {
      const group = groups.get(id);
      const fence = fences.get(id) ?? -1;
      if (group === undefined) continue;
      const isToolSeries = group.series.tool !== null;
      // A fence at or past this batch means another delivery already counted all of it.
      if (fence >= lastOffset) {
        if (isToolSeries) result.callsAlreadyApplied += group.entries.length;
        continue;
      }
      const delta = aggregateSeries(group, fence, thresholdsMs, nowMs);
      if (delta.calls > 0) deltas.push(delta);
      else if (isToolSeries) result.callsAlreadyApplied += group.entries.length;
    }
    const outcomes = await store.applyDeltas(deltas, source, fences, lastOffset);
    const conflicted: string[] = [];
    for (const delta of deltas) {
      const outcome = outcomes.get(delta.id);
      if (outcome?.status === 'applied') {
        cache.set(delta.id, source, lastOffset);
        result.seriesWritten += 1;
        if (delta.series.tool !== null) {
          result.callsApplied += delta.calls;
          result.callsAlreadyApplied += (groups.get(delta.id)?.entries.length ?? 0) - delta.calls;
        }
        result.droppedBuckets += outcome.droppedBuckets;
      } else if (outcome?.status === 'conflict') {
        conflicted.push(delta.id);
        fences.set(delta.id, outcome.currentFence);
        cache.set(delta.id, source, outcome.currentFence);
      }
    }
    result.conflicts += conflicted.length;
    pending = conflicted;
  }
  return result;
}
