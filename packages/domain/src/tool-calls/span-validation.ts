/** Why a tool-call span was not counted. */
export type InvalidSpanReason =
  | 'missing_ids'
  | 'missing_tool_name'
  | 'invalid_time'
  | 'end_before_start'
  | 'future_timestamp'
  | 'too_old';

/** Spans ending further than this ahead of the worker's clock are rejected. */
export const MAX_FUTURE_SKEW_MS = 10 * 60 * 1000;

export interface SpanTimes {
  traceId: string;
  spanId: string;
  startTimeMs: number;
  endTimeMs: number;
}

/** Structural and time checks; `maxAgeMs` is the largest window (older spans cannot count). */
export function validateSpan(
  span: SpanTimes,
  nowMs: number,
  maxAgeMs: number,
): InvalidSpanReason | undefined {
  if (span.traceId === '' || span.spanId === '') return 'missing_ids';
  if (!Number.isFinite(span.startTimeMs) || !Number.isFinite(span.endTimeMs) || span.endTimeMs <= 0) {
    return 'invalid_time';
  }
  if (span.endTimeMs < span.startTimeMs) return 'end_before_start';
  if (span.endTimeMs > nowMs + MAX_FUTURE_SKEW_MS) return 'future_timestamp';
  if (span.endTimeMs <= nowMs - maxAgeMs) return 'too_old';
  return undefined;
}
