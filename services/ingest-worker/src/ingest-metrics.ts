import type { InvalidSpanReason } from '@budgetwatch/domain';
import type { DecodeFailure } from '@budgetwatch/otlp';

/** What the worker has done since it started; read by tests, logs and (later) /metrics. */
export interface IngestMetrics {
  batches: number;
  records: number;
  spans: number;
  toolCalls: number;
  callsApplied: number;
  notToolCalls: number;
  otherPerspective: number;
  invalidSpans: Partial<Record<InvalidSpanReason, number>>;
  deadLettered: Partial<Record<DecodeFailure | 'processing_error', number>>;
  fenceConflicts: number;
  droppedLateBuckets: number;
}

export function emptyIngestMetrics(): IngestMetrics {
  return {
    batches: 0,
    records: 0,
    spans: 0,
    toolCalls: 0,
    callsApplied: 0,
    notToolCalls: 0,
    otherPerspective: 0,
    invalidSpans: {},
    deadLettered: {},
    fenceConflicts: 0,
    droppedLateBuckets: 0,
  };
}

export function increment<K extends string>(counts: Partial<Record<K, number>>, key: K, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}
