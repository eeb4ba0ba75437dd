import type { Extraction, InvalidSpanReason, OverflowCap } from '@budgetwatch/domain';
import type { DecodeFailure, SpanUnitFailure } from '@budgetwatch/otlp';
import type { BatchWriteResult } from '@budgetwatch/window-store';

/** What the worker has done since it started; read by tests, logs and (later) /metrics. */
export interface IngestMetrics {
  batches: number;
  /** Records consumed, duplicates included. */
  records: number;
  /**
   * Copies of a record claimed at another position: skipped whole (see first-copies.ts). A copy
   * delivered again (a crash or a partition move before the commit) is skipped, and counted, again.
   */
  duplicateRecords: number;
  spans: number;
  toolCalls: number;
  callsApplied: number;
  /** Calls of redelivered records (after a crash or a partition move) that were already counted. */
  callsAlreadyApplied: number;
  /** Tool calls counted, by the recognition profile that recognised them. */
  callsByProfile: Record<string, number>;
  /** Counted calls that nothing attributed to a server (docs/contract.md#2-input-tool-call-spans). */
  unattributedCalls: number;
  /** Counted calls whose span status is UNSET (coverage: their errors may go unseen). */
  callsWithoutStatus: number;
  /** Spans no profile recognised. */
  notToolCalls: number;
  /** Of those, spans that look like tool calls (coverage lists examples). */
  lookAlikeSpans: number;
  /** Tool calls of the perspective that does not count (ingest.perspective). */
  otherPerspective: number;
  /** Tool-call spans enclosing another counted span of the same call, which counts instead. */
  duplicateCalls: number;
  invalidSpans: Partial<Record<InvalidSpanReason, number>>;
  /** Dead letters by reason: whole records, or the unreadable spans of a record. */
  deadLettered: Partial<Record<DecodeFailure | SpanUnitFailure | 'processing_error', number>>;
  fenceConflicts: number;
  droppedLateBuckets: number;
  /** Calls counted in an overflow series, by the cardinality cap that kept them out of their own. */
  overflowCalls: Partial<Record<OverflowCap, number>>;
  /** Batches whose window write failed (Redis unreachable) and were retried. */
  storeFailures: number;
  /** Time spent decoding and classifying records, ms. */
  processingMs: number;
  /** Time spent waiting for the fenced window writes, ms. */
  storeWriteMs: number;
  /** Time spent claiming the records' contents (first-copies.ts), ms. */
  claimMs: number;
}

export function emptyIngestMetrics(): IngestMetrics {
  return {
    batches: 0,
    records: 0,
    duplicateRecords: 0,
    spans: 0,
    toolCalls: 0,
    callsApplied: 0,
    callsAlreadyApplied: 0,
    callsByProfile: {},
    unattributedCalls: 0,
    callsWithoutStatus: 0,
    notToolCalls: 0,
    lookAlikeSpans: 0,
    otherPerspective: 0,
    duplicateCalls: 0,
    invalidSpans: {},
    deadLettered: {},
    fenceConflicts: 0,
    droppedLateBuckets: 0,
    overflowCalls: {},
    storeFailures: 0,
    processingMs: 0,
    storeWriteMs: 0,
    claimMs: 0,
  };
}

export function increment<K extends string>(counts: Partial<Record<K, number>>, key: K, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Counts the claims of a batch: its duplicates (consumed, skipped whole), and the time taken. */
export function countClaims(metrics: IngestMetrics, duplicates: number, startedMs: number): void {
  metrics.records += duplicates;
  metrics.duplicateRecords += duplicates;
  metrics.claimMs += performance.now() - startedMs;
}

/** Counts what became of one span. */
export function countExtraction(metrics: IngestMetrics, extraction: Extraction): void {
  switch (extraction.kind) {
    case 'call':
      metrics.toolCalls += 1;
      increment(metrics.callsByProfile, extraction.profile);
      if (!extraction.attributed) metrics.unattributedCalls += 1;
      break;
    case 'invalid':
      increment(metrics.invalidSpans, extraction.reason);
      break;
    case 'not_tool_call':
      metrics.notToolCalls += 1;
      break;
    case 'other_perspective':
      metrics.otherPerspective += 1;
      break;
    case 'duplicate':
      metrics.duplicateCalls += 1;
      break;
  }
}

/** Counts one batch written to the window store. */
export function countWrittenBatch(metrics: IngestMetrics, written: BatchWriteResult): void {
  metrics.batches += 1;
  metrics.callsApplied += written.callsApplied;
  metrics.callsAlreadyApplied += written.callsAlreadyApplied;
  metrics.fenceConflicts += written.conflicts;
  metrics.droppedLateBuckets += written.droppedBuckets;
  for (const [cap, calls] of Object.entries(written.overflowCalls) as [OverflowCap, number][]) {
    increment(metrics.overflowCalls, cap, calls);
  }
}
