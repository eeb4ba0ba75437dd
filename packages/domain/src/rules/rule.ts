import type { CrsScoring } from '../crs/crs-scoring.js';
/** What a rule measures over its window (docs/contract.md#4-rules). */
export type RuleMetric = 'success_rate' | 'latency_quantile' | 'unexpected_block_rate' | 'fallback_rate';

export type Comparator = '<' | '<=' | '>' | '>=';

/** A rule applies to each tool series, to each server rollup, or both. */
export type RuleScope = 'tool' | 'server';

/** What a firing rule asks policy engines to do; each maps to an event pair (see rule-actions.ts). */
export type RuleAction =
  | 'freeze-traffic'
  | 'lower-concurrency'
  | 'request-audit'
  | 'open-incident'
  | 'halt-expansion';

/** Inventory trust tiers: 0 public / read-only, 1 internal read, 2 state-changing. */
export type Tier = 0 | 1 | 2;

/** The numbers of a rule a tier may override. */
export interface RuleLimits {
  /**
   * Rates: a ratio in 0..1. latency_quantile: milliseconds (the rule fires when more than
   * 1 - quantile of the served calls were slower than this).
   */
  threshold: number;
  /** The value must be back on the good side of this to resolve (hysteresis); same units. */
  resolveThreshold: number;
  /** Fewer calls than this in the window (in the metric's denominator) never fire the rule. */
  minCalls: number;
  /** How long the breach must last before the rule fires; 0 fires at once. */
  forMs: number;
}

export interface Rule extends RuleLimits {
  id: string;
  description: string;
  metric: RuleMetric;
  /** latency_quantile only: 0.95 for p95. */
  quantile?: number;
  windowMs: number;
  comparator: Comparator;
  scopes: readonly RuleScope[];
  actions: readonly RuleAction[];
  tiers: Partial<Record<Tier, Partial<RuleLimits>>>;
}

/** The optional multi-window burn-rate early warning (SRE workbook style), off by default. */
export interface BurnRateWarning {
  enabled: boolean;
  /** The budget rule whose error budget is watched (a success_rate rule). */
  ruleId: string;
  /** Both windows must burn faster than `factor` times the sustainable rate. */
  longWindowMs: number;
  shortWindowMs: number;
  factor: number;
  minCalls: number;
}

export interface Policy {
  rules: readonly Rule[];
  burnRate: BurnRateWarning;
  /** How the Control-Plane Risk Score is computed (docs/crs.md). */
  crs: CrsScoring;
}

/** The limits that apply to a series of a server of `tier` (undefined: not in the inventory). */
export function limitsFor(rule: Rule, tier: Tier | undefined): RuleLimits {
  const override = tier === undefined ? undefined : rule.tiers[tier];
  return {
    threshold: override?.threshold ?? rule.threshold,
    resolveThreshold: override?.resolveThreshold ?? override?.threshold ?? rule.resolveThreshold,
    minCalls: override?.minCalls ?? rule.minCalls,
    forMs: override?.forMs ?? rule.forMs,
  };
}
