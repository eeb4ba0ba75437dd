import type { BucketCounters } from './bucket-counters.js';
import { sketchQuantile } from './latency-sketch.js';

/** The numbers of one series over one trailing window, as the read API and rules see them. */
export interface WindowSummary {
  windowMs: number;
  calls: number;
  /** Calls that reached the tool: all calls minus policy blocks. */
  served: number;
  errors: number;
  blockedExpected: number;
  blockedUnexpected: number;
  fallbacks: number;
  /** (served - errors) / served; null without served calls. */
  successRate: number | null;
  /** Unexpected blocks / all calls. */
  unexpectedBlockRate: number | null;
  expectedBlockRate: number | null;
  /** Fallback activations / all calls. */
  fallbackRate: number | null;
  /** Threshold in ms -> served calls slower than it. */
  slowCalls: Record<string, number>;
  /** Threshold in ms -> share of served calls slower than it. */
  slowFraction: Record<string, number | null>;
  /** Latency percentiles in ms from the sketch (display only, relative error <= 1%). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

export function summarizeWindow(
  totals: BucketCounters,
  thresholdsMs: readonly number[],
  windowMs: number,
): WindowSummary {
  const served = totals.calls - totals.blockedExpected - totals.blockedUnexpected;
  const slowCalls: Record<string, number> = {};
  const slowFraction: Record<string, number | null> = {};
  thresholdsMs.forEach((threshold, i) => {
    slowCalls[String(threshold)] = totals.slow[i] ?? 0;
    slowFraction[String(threshold)] = ratio(totals.slow[i] ?? 0, served);
  });
  return {
    windowMs,
    calls: totals.calls,
    served,
    errors: totals.errors,
    blockedExpected: totals.blockedExpected,
    blockedUnexpected: totals.blockedUnexpected,
    fallbacks: totals.fallbacks,
    successRate: ratio(served - totals.errors, served),
    unexpectedBlockRate: ratio(totals.blockedUnexpected, totals.calls),
    expectedBlockRate: ratio(totals.blockedExpected, totals.calls),
    fallbackRate: ratio(totals.fallbacks, totals.calls),
    slowCalls,
    slowFraction,
    p50: sketchQuantile(totals.sketch, 0.5) ?? null,
    p95: sketchQuantile(totals.sketch, 0.95) ?? null,
    p99: sketchQuantile(totals.sketch, 0.99) ?? null,
  };
}
