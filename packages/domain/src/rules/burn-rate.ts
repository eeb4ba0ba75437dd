import { formatWindowDuration } from '../windows/window-duration.js';
import type { WindowSummary } from '../windows/window-summary.js';
import { compareRatio, complement, decimalFraction, type Fraction } from './exact-ratio.js';
import type { BurnRateWarning, Rule, RuleLimits } from './rule.js';
import type { Measurement } from './rule-measurement.js';

/**
 * The early-warning rule derived from a success-rate rule (Google SRE workbook, multiwindow burn
 * rate): it fires when the error budget (1 - threshold) burns at least `factor` times faster than
 * sustainable over both the long and the short window, which pages well before the 24h rule trips,
 * and resolves as soon as the short window stops burning.
 */
export function burnRateRule(burn: BurnRateWarning, target: Rule): Rule {
  return {
    ...target,
    id: `${target.id}-burn-rate`,
    description: `Early warning: the ${target.id} budget burns over ${burn.factor}x as fast as sustainable over ${formatWindowDuration(
      burn.longWindowMs,
    )} and ${formatWindowDuration(burn.shortWindowMs)}`,
    windowMs: burn.longWindowMs,
    minCalls: burn.minCalls,
    forMs: 0,
    actions: [],
    tiers: {},
  };
}

/**
 * Reads the two windows. `part` of `whole` are the long window's errors and served calls (the
 * minimum-calls gate applies to it); `value` is the burn rate both windows exceed.
 */
export function measureBurnRate(
  burn: BurnRateWarning,
  limits: RuleLimits,
  long: WindowSummary,
  short: WindowSummary,
): Measurement {
  const budget = complement(decimalFraction(limits.threshold));
  const factor = decimalFraction(burn.factor);
  const allowedErrors: Fraction = {
    numerator: budget.numerator * factor.numerator,
    denominator: budget.denominator * factor.denominator,
  };
  const burning = (window: WindowSummary) =>
    window.served > 0 && compareRatio(window.errors, window.served, allowedErrors) >= 0;
  const budgetRatio = Number(budget.numerator) / Number(budget.denominator);
  const rate = (window: WindowSummary) => window.errors / window.served / budgetRatio;
  return {
    part: long.errors,
    whole: long.served,
    value:
      short.served === 0 || long.served === 0 || budgetRatio === 0 ? null : Math.min(rate(long), rate(short)),
    breaching: burning(long) && burning(short),
    recovered: !burning(short),
  };
}
