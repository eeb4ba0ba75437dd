import type { ApplicableRule, Comparator } from '@budgetwatch/domain';

/**
 * What a reading's value is in: a ratio, milliseconds (latency), or for the burn-rate warning a
 * multiple of the sustainable burn of its budget.
 */
export type ReadingUnit = 'ratio' | 'ms' | 'burn_rate';

/** How one applicable rule is shown against its threshold, on the dashboard and in the CLI. */
export interface CheckGauge {
  unit: ReadingUnit;
  threshold: number;
  comparator: Comparator;
  /** The window the value is read over (the burn-rate warning: its long window). */
  windowMs: number;
}

/**
 * A budget rule against its tier's threshold. The burn-rate warning against the burn rate that
 * fires it: its measured value is a burn rate, which the budget rule's threshold does not describe.
 */
export function gaugeOf(applicable: ApplicableRule): CheckGauge {
  if (applicable.kind === 'burn-rate') {
    const { warning } = applicable;
    return { unit: 'burn_rate', threshold: warning.factor, comparator: '>=', windowMs: warning.longWindowMs };
  }
  const { rule, limits } = applicable;
  return {
    unit: rule.metric === 'latency_quantile' ? 'ms' : 'ratio',
    threshold: limits.threshold,
    comparator: rule.comparator,
    windowMs: rule.windowMs,
  };
}
