import type { RuleCheck } from '../rules/applicable-checks.js';
import type { Rule, RuleLimits } from '../rules/rule.js';
import type { Measurement } from '../rules/rule-measurement.js';

/**
 * How much of a rule's error budget the window has used: 0 with no bad calls, 1 exactly at the
 * threshold, above 1 past it. A success-rate rule of 97% allows 3% failures, so 1.5% failed is 0.5;
 * a latency rule "p95 > 3 s" allows 5% slow calls; rate rules allow their threshold. Below the
 * rule's minimum calls a window says too little and consumes nothing.
 */
export function budgetConsumed(rule: Rule, limits: RuleLimits, measurement: Measurement): number {
  if (measurement.whole === 0 || measurement.whole < limits.minCalls) return 0;
  const ratio = measurement.part / measurement.whole;
  switch (rule.metric) {
    case 'success_rate': {
      const allowed = 1 - limits.threshold;
      const failed = 1 - ratio;
      return allowed <= 0 ? (failed > 0 ? Number.POSITIVE_INFINITY : 0) : failed / allowed;
    }
    case 'latency_quantile': {
      const allowed = 1 - (rule.quantile ?? 0.95);
      return ratio / allowed;
    }
    default:
      return limits.threshold <= 0 ? (ratio > 0 ? Number.POSITIVE_INFINITY : 0) : ratio / limits.threshold;
  }
}

/**
 * How close a check is to firing, 1 at its threshold: a budget rule's budget consumed, and for
 * the burn-rate warning the burn rate over the factor that fires it (its measurement counts
 * errors, not successes, so the budget formula does not apply to it).
 */
export function budgetUsed(check: RuleCheck): number {
  if (check.kind === 'budget') return budgetConsumed(check.rule, check.limits, check.measurement);
  const { measurement, limits, warning } = check;
  if (measurement.value === null || measurement.whole < limits.minCalls) return 0;
  return measurement.value / warning.factor;
}
