import { isUnattributed } from '../tool-calls/server-identity.js';
import type { WindowSummary } from '../windows/window-summary.js';
import { burnRateRule, measureBurnRate } from './burn-rate.js';
import {
  type BurnRateWarning,
  limitsFor,
  type Policy,
  type Rule,
  type RuleLimits,
  type RuleScope,
  type Tier,
} from './rule.js';
import { type Measurement, measure } from './rule-measurement.js';

/**
 * One trailing window of a series, all ending at the same instant. The caller decides where it
 * comes from (Redis, memory) and what it holds (with or without the latency sketch).
 */
export type WindowAccessor = (windowMs: number) => Promise<WindowSummary>;

/** What decides which rules apply to a series and with which limits. */
export interface CheckTarget {
  /**
   * The series' server: the unattributed calls' reserved id has no server-scoped rules. Every
   * caller that evaluates a series passes it.
   */
  server?: string;
  scope: RuleScope;
  /** The server's inventory tier; undefined for a server the inventory does not list. */
  tier: Tier | undefined;
}

/** A budget rule of the policy: decided on its own window. */
export interface BudgetRule {
  kind: 'budget';
  rule: Rule;
  /** The rule's limits with the tier's overrides. */
  limits: RuleLimits;
}

/**
 * The burn-rate early warning on a budget rule: decided on two windows, with a rule of its own
 * (`<target>-burn-rate`) so that it has its own state and events.
 */
export interface BurnRateRule {
  kind: 'burn-rate';
  rule: Rule;
  limits: RuleLimits;
  warning: BurnRateWarning;
}

export type ApplicableRule = BudgetRule | BurnRateRule;

/** An applicable rule with what the series' windows measure for it. */
export type RuleCheck = ApplicableRule & { measurement: Measurement };

/**
 * The rules that apply to a series of `target`'s scope and tier, with their limits: the policy's
 * rules for that scope, then the burn-rate warning when it is on and its target rule applies.
 * The evaluator, the operator view and the CRS all go through here, so that they never disagree
 * on which rules a series has.
 */
export function applicableRules(policy: Policy, target: CheckTarget): ApplicableRule[] {
  // Unattributed calls are many servers' calls under one id: judged per tool, never as a server.
  if (target.scope === 'server' && target.server !== undefined && isUnattributed(target.server)) return [];
  const applies = (rule: Rule) => rule.scopes.includes(target.scope);
  const budgets = policy.rules
    .filter(applies)
    .map((rule): ApplicableRule => ({ kind: 'budget', rule, limits: limitsFor(rule, target.tier) }));
  const warning = policy.burnRate;
  const watched = policy.rules.find((rule) => rule.id === warning.ruleId);
  if (!warning.enabled || watched === undefined || !applies(watched)) return budgets;
  const rule = burnRateRule(warning, watched);
  // The budget that burns is the watched rule's at this tier (a stricter tier has a smaller one);
  // the warning's own minimum of calls and `for` stay its own.
  const budget = limitsFor(watched, target.tier);
  const limits = {
    ...limitsFor(rule, target.tier),
    threshold: budget.threshold,
    resolveThreshold: budget.resolveThreshold,
  };
  return [...budgets, { kind: 'burn-rate', rule, limits, warning }];
}

/** What the windows `windowOf` reads measure for one applicable rule. */
export async function measureRule(
  applicable: ApplicableRule,
  windowOf: WindowAccessor,
): Promise<Measurement> {
  if (applicable.kind === 'budget') {
    return measure(applicable.rule, applicable.limits, await windowOf(applicable.rule.windowMs));
  }
  const { warning, limits } = applicable;
  const [long, short] = await Promise.all([windowOf(warning.longWindowMs), windowOf(warning.shortWindowMs)]);
  return measureBurnRate(warning, limits, long, short);
}

/**
 * The applicable rules of a series with their measurements. Each window is read once, however
 * many rules share it, and the reads run together.
 */
export function applicableChecks(
  policy: Policy,
  target: CheckTarget,
  windowOf: WindowAccessor,
): Promise<RuleCheck[]> {
  const readOnce = eachWindowOnce(windowOf);
  return Promise.all(
    applicableRules(policy, target).map(
      async (applicable): Promise<RuleCheck> => ({
        ...applicable,
        measurement: await measureRule(applicable, readOnce),
      }),
    ),
  );
}

function eachWindowOnce(windowOf: WindowAccessor): WindowAccessor {
  const read = new Map<number, Promise<WindowSummary>>();
  return (windowMs) => {
    let summary = read.get(windowMs);
    if (summary === undefined) {
      summary = windowOf(windowMs);
      read.set(windowMs, summary);
    }
    return summary;
  };
}
