import type { ToolCall } from '../tool-calls/tool-call.js';
import { addToSketch, mergeSketch, type SketchBins } from './latency-sketch.js';

/**
 * The exact counters of one time bucket of one series. Rules decide on these (never on the
 * sketch): "p95 > 3 s" is "more than 5% of served calls slower than 3 s".
 */
export interface BucketCounters {
  /** Every tool call, blocked ones included. */
  calls: number;
  /** Calls that reached the tool and failed. */
  errors: number;
  blockedExpected: number;
  blockedUnexpected: number;
  fallbacks: number;
  /** Per latency threshold (same order as the thresholds list): served calls slower than it. */
  slow: number[];
  /** Latencies of served calls, for p50/p95/p99 display. */
  sketch: SketchBins;
}

export function emptyCounters(thresholdCount: number): BucketCounters {
  return {
    calls: 0,
    errors: 0,
    blockedExpected: 0,
    blockedUnexpected: 0,
    fallbacks: 0,
    slow: new Array<number>(thresholdCount).fill(0),
    sketch: new Map(),
  };
}

export function addCall(counters: BucketCounters, call: ToolCall, thresholdsMs: readonly number[]): void {
  counters.calls += 1;
  if (call.fallback) counters.fallbacks += 1;
  switch (call.outcome) {
    case 'blocked_expected':
      counters.blockedExpected += 1;
      return;
    case 'blocked_unexpected':
      counters.blockedUnexpected += 1;
      return;
    case 'error':
      counters.errors += 1;
      break;
    case 'ok':
      break;
  }
  for (let i = 0; i < thresholdsMs.length; i++) {
    if (call.latencyMs > (thresholdsMs[i] ?? Number.POSITIVE_INFINITY))
      counters.slow[i] = (counters.slow[i] ?? 0) + 1;
  }
  addToSketch(counters.sketch, call.latencyMs);
}

export function mergeCounters(target: BucketCounters, source: BucketCounters): void {
  target.calls += source.calls;
  target.errors += source.errors;
  target.blockedExpected += source.blockedExpected;
  target.blockedUnexpected += source.blockedUnexpected;
  target.fallbacks += source.fallbacks;
  for (let i = 0; i < source.slow.length; i++) target.slow[i] = (target.slow[i] ?? 0) + (source.slow[i] ?? 0);
  mergeSketch(target.sketch, source.sketch);
}

/** Takes `source` (counted in `target` before) back out of `target`: a window sliding forward. */
export function subtractCounters(target: BucketCounters, source: BucketCounters): void {
  target.calls -= source.calls;
  target.errors -= source.errors;
  target.blockedExpected -= source.blockedExpected;
  target.blockedUnexpected -= source.blockedUnexpected;
  target.fallbacks -= source.fallbacks;
  for (let i = 0; i < source.slow.length; i++) target.slow[i] = (target.slow[i] ?? 0) - (source.slow[i] ?? 0);
  for (const [bin, count] of source.sketch) {
    const left = (target.sketch.get(bin) ?? 0) - count;
    if (left > 0) target.sketch.set(bin, left);
    else target.sketch.delete(bin);
  }
}
