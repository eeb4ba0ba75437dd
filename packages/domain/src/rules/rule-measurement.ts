import type { WindowSummary } from '../windows/window-summary.js';
import { compareRatio, complement, decimalFraction } from './exact-ratio.js';
import type { Comparator, Rule, RuleLimits } from './rule.js';

/** A rule's reading of one window: the exact counts it decides on and the value people see. */
export interface Measurement {
  /** Calls that count against the rule (failures, slow calls, blocks, fallbacks)... */
  part: number;
  /** ...out of these (served calls for success and latency, all calls for the rates). */
  whole: number;
  /** In the rule's units: a ratio, or for latency the quantile from the sketch (ms, display). */
  value: number | null;
  /** The rule's condition holds against its threshold. */
  breaching: boolean;
  /** The value is back on the good side of the resolve threshold. */
  recovered: boolean;
}

/** The quantiles a window summary reports, for the value people see (decisions use exact counts). */
const REPORTED_QUANTILES = new Map<number, (summary: WindowSummary) => number | null>([
  [0.5, (summary) => summary.p50],
  [0.95, (summary) => summary.p95],
  [0.99, (summary) => summary.p99],
]);

/** Thrown when a latency rule needs a slow counter the ingest worker does not keep. */
export class MissingLatencyThresholdError extends Error {
  constructor(ruleId: string, thresholdMs: number) {
    super(
      `rule ${ruleId} needs calls slower than ${thresholdMs} ms counted: add it to ingest.latencyThresholdsMs`,
    );
    this.name = 'MissingLatencyThresholdError';
  }
}

export function measure(rule: Rule, limits: RuleLimits, summary: WindowSummary): Measurement {
  if (rule.metric === 'latency_quantile') return measureLatency(rule, limits, summary);
  const [part, whole] = rateCounts(rule, summary);
  const holds = (threshold: number) =>
    whole > 0 && satisfies(compareRatio(part, whole, decimalFraction(threshold)), rule.comparator);
  return {
    part,
    whole,
    value: whole === 0 ? null : part / whole,
    breaching: holds(limits.threshold),
    recovered: whole > 0 && !holds(limits.resolveThreshold),
  };
}

function rateCounts(rule: Rule, summary: WindowSummary): [number, number] {
  switch (rule.metric) {
    case 'success_rate':
      return [summary.served - summary.errors, summary.served];
    case 'unexpected_block_rate':
      return [summary.blockedUnexpected, summary.calls];
    case 'fallback_rate':
      return [summary.fallbacks, summary.calls];
    default:
      throw new Error(`not a rate metric: ${rule.metric}`);
  }
}

/**
 * "pQ > T" decided exactly (docs/contract.md#3-windows-and-numbers): more than (1 - Q) of the
 * served calls were slower than T.
 */
function measureLatency(rule: Rule, limits: RuleLimits, summary: WindowSummary): Measurement {
  const allowed = complement(decimalFraction(rule.quantile ?? 0.95));
  const slowerThan = (thresholdMs: number) => {
    const count = summary.slowCalls[String(thresholdMs)];
    if (count === undefined) throw new MissingLatencyThresholdError(rule.id, thresholdMs);
    return count;
  };
  const whole = summary.served;
  const part = slowerThan(limits.threshold);
  const exceeds = (slow: number) => whole > 0 && compareRatio(slow, whole, allowed) > 0;
  const quantile = REPORTED_QUANTILES.get(rule.quantile ?? 0.95)?.(summary) ?? null;
  return {
    part,
    whole,
    value: whole === 0 ? null : quantile,
    breaching: exceeds(part),
    recovered: whole > 0 && !exceeds(slowerThan(limits.resolveThreshold)),
  };
}

function satisfies(sign: -1 | 0 | 1, comparator: Comparator): boolean {
  switch (comparator) {
    case '<':
      return sign < 0;
    case '<=':
      return sign <= 0;
    case '>':
      return sign > 0;
    case '>=':
      return sign >= 0;
  }
}
