/** Why a tool-call span was not counted. */
export type InvalidSpanReason =
  | 'missing_ids'
  | 'missing_tool_name'
  | 'invalid_time'
  | 'end_before_start'
  | 'future_timestamp'
  | 'too_old'
  | 'start_before_window'
  | 'implausible_latency';

/** Spans ending further than this ahead of the worker's clock are rejected. */
export const MAX_FUTURE_SKEW_MS = 10 * 60 * 1000;
/** The default longest latency a tool call may plausibly have (ingest.maxLatencyMs). */
export const DEFAULT_MAX_LATENCY_MS = 3_600_000;

/** How far back and how long a span may plausibly reach. */
export interface SpanPlausibility {
  /** The largest window: spans ending before it, or starting before it, cannot be measured. */
  maxAgeMs: number;
  /** Longer calls are taken for broken clocks or forged spans, not measured. */
  maxLatencyMs: number;
}

export interface SpanTimes {
  traceId: string;
  spanId: string;
  startTimeMs: number;
  endTimeMs: number;
}

/**
 * Structural and time checks. A span that starts before the largest window, or lasts longer than
 * the plausible maximum (a start time of 0 would be 56 years of latency), is invalid: counted as
 * such, never measured.
 */
export function validateSpan(
  span: SpanTimes,
  nowMs: number,
  { maxAgeMs, maxLatencyMs }: SpanPlausibility,
): InvalidSpanReason | undefined {
  if (span.traceId === '' || span.spanId === '') return 'missing_ids';
  if (!Number.isFinite(span.startTimeMs) || !Number.isFinite(span.endTimeMs) || span.endTimeMs <= 0) {
    return 'invalid_time';
  }
  if (span.endTimeMs < span.startTimeMs) return 'end_before_start';
  if (span.endTimeMs > nowMs + MAX_FUTURE_SKEW_MS) return 'future_timestamp';
  if (span.endTimeMs <= nowMs - maxAgeMs) return 'too_old';
  if (span.startTimeMs <= nowMs - maxAgeMs) return 'start_before_window';
  if (span.endTimeMs - span.startTimeMs > maxLatencyMs) return 'implausible_latency';
  return undefined;
}
