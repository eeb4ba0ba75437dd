import {
  type BucketCounters,
  emptyCounters,
  mergeCounters,
  subtractCounters,
} from '../windows/bucket-counters.js';
import { bucketIndex, type Resolution, resolutionFor } from '../windows/resolution.js';
import { summarizeWindow, type WindowSummary } from '../windows/window-summary.js';
import { type ApplicableRule, measureRule } from './applicable-checks.js';

/** One bucket of a ring as the window store holds it: its index (time / bucketMs) and counters. */
export interface HistoryBucket {
  index: number;
  counters: BucketCounters;
}

/** The buckets each resolution's ring of one series holds, oldest first. */
export type RingContents = (resolution: Resolution) => readonly HistoryBucket[];

/** A rule's value over the last span of its window, one point per bucket (uPlot's columns). */
export interface RuleHistory {
  /** The span charted: the rule's window (the burn-rate warning: its long window). */
  spanMs: number;
  /** The bucket length of the ring that serves that window: 5 minutes for 24h, 1 minute for 2h. */
  stepMs: number;
  /** Each point's time (ms): the end of its bucket; the last is `nowMs`. */
  times: number[];
  /**
   * The rule's value over its trailing window ending at each point; null without calls. The last
   * point is the very window the rule reads now. A point's window covers only buckets the ring
   * still holds: early points of a 24h chart count less than 24h of calls.
   */
  values: (number | null)[];
  /** The calls each point's value is computed from (the rule's denominator). */
  calls: number[];
}

/** The span a rule's chart covers: its window, or the burn-rate warning's long window. */
export function historySpanMs(applicable: ApplicableRule): number {
  return applicable.kind === 'budget' ? applicable.rule.windowMs : applicable.warning.longWindowMs;
}

/**
 * Every trailing window of one length ending in each bucket a ring holds, summed once by sliding
 * (add the bucket entering, take out the one leaving), so a 24h chart of 288 points costs one pass.
 */
class TrailingWindows {
  private readonly byWindow = new Map<number, Map<number, WindowSummary>>();

  constructor(
    private readonly rings: RingContents,
    private readonly thresholdsMs: readonly number[],
  ) {}

  /** The summary of the trailing `windowMs` ending at `timeMs`, from the ring that serves it. */
  at(windowMs: number, timeMs: number): WindowSummary {
    const resolution = resolutionFor(windowMs);
    const summaries = this.summaries(windowMs, resolution);
    return (
      summaries.get(bucketIndex(timeMs, resolution)) ??
      summarizeWindow(emptyCounters(this.thresholdsMs.length), this.thresholdsMs, windowMs)
    );
  }

  private summaries(windowMs: number, resolution: Resolution): Map<number, WindowSummary> {
    const known = this.byWindow.get(windowMs);
    if (known !== undefined) return known;
    const buckets = new Map(this.rings(resolution).map((bucket) => [bucket.index, bucket.counters]));
    const summaries = new Map<number, WindowSummary>();
    const indexes = [...buckets.keys()];
    const length = Math.ceil(windowMs / resolution.bucketMs);
    if (indexes.length > 0) {
      const first = Math.min(...indexes);
      // The last window that still sees a held bucket ends `length - 1` buckets after it.
      const last = Math.max(...indexes) + length - 1;
      const running = emptyCounters(this.thresholdsMs.length);
      for (let index = first; index <= last; index++) {
        const entering = buckets.get(index);
        if (entering !== undefined) mergeCounters(running, entering);
        summaries.set(index, summarizeWindow(running, this.thresholdsMs, windowMs));
        const leaving = buckets.get(index - length + 1);
        if (leaving !== undefined) subtractCounters(running, leaving);
      }
    }
    this.byWindow.set(windowMs, summaries);
    return summaries;
  }
}

/**
 * Each rule's value over its window, measured exactly as the evaluator and the status report
 * measure it (measureRule), at every bucket end of the ring that serves the window, from the
 * buckets the rings hold. Pure: the caller reads the rings (WindowStore.readBuckets).
 */
export async function ruleHistories(
  rules: readonly ApplicableRule[],
  rings: RingContents,
  thresholdsMs: readonly number[],
  nowMs: number,
): Promise<RuleHistory[]> {
  const windows = new TrailingWindows(rings, thresholdsMs);
  return Promise.all(
    rules.map(async (applicable) => {
      const spanMs = historySpanMs(applicable);
      const resolution = resolutionFor(spanMs);
      const last = bucketIndex(nowMs, resolution);
      const points = Math.ceil(spanMs / resolution.bucketMs);
      const history: RuleHistory = { spanMs, stepMs: resolution.bucketMs, times: [], values: [], calls: [] };
      for (let index = last - points + 1; index <= last; index++) {
        const timeMs = index === last ? nowMs : (index + 1) * resolution.bucketMs - 1;
        const measurement = await measureRule(applicable, async (windowMs) => windows.at(windowMs, timeMs));
        history.times.push(timeMs);
        history.values.push(measurement.value);
        history.calls.push(measurement.whole);
      }
      return history;
    }),
  );
}
