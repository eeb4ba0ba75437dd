import {
  DEFAULT_CRS_SCORING,
  DEFAULT_POLICY,
  type Policy,
  parseDuration,
  RESERVED_RULE_IDS,
  type Rule,
  type Tier,
} from '@budgetwatch/domain';
import { z } from 'zod';

const SECOND = 1000;
const DAY = 24 * 3_600_000;

/** "24h", "5m", "30s", "0s" or a number of ms, within [min, max]. */
function duration(min: number, max: number) {
  return z.union([z.number(), z.string()]).transform((value, context) => {
    let ms: number;
    try {
      ms = typeof value === 'number' ? value : parseDuration(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      context.addIssue({
        code: 'custom',
        message: `must be between ${min / SECOND}s and ${max / 3_600_000}h`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

const limitsOverride = z.strictObject({
  threshold: z.number().nonnegative().optional(),
  resolveThreshold: z.number().nonnegative().optional(),
  minCalls: z.number().int().min(1).optional(),
  for: duration(0, DAY).optional(),
});

const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  description: z.string().default(''),
  metric: z.enum(['success_rate', 'latency_quantile', 'unexpected_block_rate', 'fallback_rate']),
  /** The quantiles windows report (p50, p95, p99); the decision itself works for any. */
  quantile: z.union([z.literal(0.5), z.literal(0.95), z.literal(0.99)]).optional(),
  window: duration(SECOND, DAY),
  comparator: z.enum(['<', '<=', '>', '>=']),
  threshold: z.number().nonnegative(),
  resolveThreshold: z.number().nonnegative().optional(),
  minCalls: z.number().int().min(1).default(50),
  for: duration(0, DAY).default(0),
  scopes: z
    .array(z.enum(['tool', 'server']))
    .min(1)
    .default(['tool', 'server']),
  actions: z
    .array(
      z.enum(['freeze-traffic', 'lower-concurrency', 'request-audit', 'open-incident', 'halt-expansion']),
    )
    .default([]),
  tiers: z.partialRecord(z.enum(['0', '1', '2']), limitsOverride).default({}),
});

type RuleInput = z.output<typeof ruleSchema>;

/** A strict object of numbers, each defaulting to the shipped scoring. */
function points<Keys extends string>(defaults: Readonly<Record<Keys, number>>) {
  const shape = Object.fromEntries(
    Object.entries<number>(defaults).map(([key, value]) => [key, z.number().min(0).max(100).default(value)]),
  ) as Record<Keys, z.ZodDefault<z.ZodNumber>>;
  // Every field has a default, so an empty mapping is valid input (zod cannot see that generically).
  return z.strictObject(shape).prefault({} as never);
}

const CRS = DEFAULT_CRS_SCORING;
const crsSchema = z
  .strictObject({
    weights: z
      .strictObject({
        auth: z.number().min(0).max(1).default(CRS.weights.auth),
        reliability: z.number().min(0).max(1).default(CRS.weights.reliability),
        ownership: z.number().min(0).max(1).default(CRS.weights.ownership),
        blastRadius: z.number().min(0).max(1).default(CRS.weights.blastRadius),
      })
      .prefault({}),
    haltThreshold: z.number().min(0).max(100).default(CRS.haltThreshold),
    auth: z
      .strictObject({
        mode: points(CRS.auth.mode),
        sharedAdminCredentials: z.number().min(0).max(100).default(CRS.auth.sharedAdminCredentials),
        credentialsNotSeparated: z.number().min(0).max(100).default(CRS.auth.credentialsNotSeparated),
        noScopesDeclared: z.number().min(0).max(100).default(CRS.auth.noScopesDeclared),
        unexpectedBlocksBudget: z.number().min(0).max(100).default(CRS.auth.unexpectedBlocksBudget),
      })
      .prefault({}),
    ownership: points(CRS.ownership),
    blastRadius: z
      .strictObject({
        tier: points(CRS.blastRadius.tier),
        writeCapability: points(CRS.blastRadius.writeCapability),
        dataSensitivity: points(CRS.blastRadius.dataSensitivity),
      })
      .prefault({}),
  })
  .prefault({});

export const policySchema = z
  .strictObject({
    rules: z.array(ruleSchema).min(1),
    burnRate: z
      .strictObject({
        enabled: z.boolean().default(false),
        rule: z.string().default(DEFAULT_POLICY.burnRate.ruleId),
        longWindow: duration(SECOND, DAY).default(DEFAULT_POLICY.burnRate.longWindowMs),
        shortWindow: duration(SECOND, DAY).default(DEFAULT_POLICY.burnRate.shortWindowMs),
        factor: z.number().gt(1).default(DEFAULT_POLICY.burnRate.factor),
        minCalls: z.number().int().min(1).default(DEFAULT_POLICY.burnRate.minCalls),
      })
      .prefault({}),
    crs: crsSchema,
  })
  .superRefine((policy, context) => {
    const weights = Object.values(policy.crs.weights).reduce((sum, weight) => sum + weight, 0);
    if (Math.abs(weights - 1) > 1e-9) {
      context.addIssue({
        code: 'custom',
        path: ['crs', 'weights'],
        message: `weights must add up to 1 (they add up to ${weights})`,
      });
    }
    const seen = new Set<string>();
    policy.rules.forEach((rule, index) => {
      const at = (...path: (string | number)[]) => ['rules', index, ...path];
      if (seen.has(rule.id))
        context.addIssue({ code: 'custom', path: at('id'), message: `duplicate rule id ${rule.id}` });
      if (RESERVED_RULE_IDS.has(rule.id))
        context.addIssue({
          code: 'custom',
          path: at('id'),
          message: `${rule.id} is reserved: it names Budgetwatch's own events (${[...RESERVED_RULE_IDS].join(', ')})`,
        });
      seen.add(rule.id);
      for (const problem of ruleProblems(rule))
        context.addIssue({ code: 'custom', path: at(...problem.path), message: problem.message });
    });
    const burn = policy.burnRate;
    if (burn.enabled) {
      const target = policy.rules.find((rule) => rule.id === burn.rule);
      if (target?.metric !== 'success_rate') {
        context.addIssue({
          code: 'custom',
          path: ['burnRate', 'rule'],
          message: 'must name a success_rate rule of this policy',
        });
      }
      if (burn.shortWindow >= burn.longWindow) {
        context.addIssue({
          code: 'custom',
          path: ['burnRate', 'shortWindow'],
          message: 'must be shorter than longWindow',
        });
      }
    }
  });

function ruleProblems(rule: RuleInput): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const latency = rule.metric === 'latency_quantile';
  if (latency) {
    if (rule.quantile === undefined)
      problems.push({ path: ['quantile'], message: 'required for latency_quantile (e.g. 0.95)' });
    if (rule.comparator !== '>') {
      problems.push({
        path: ['comparator'],
        message: 'latency rules fire on ">" (more than 1 - quantile of calls slower)',
      });
    }
  } else {
    if (rule.quantile !== undefined)
      problems.push({ path: ['quantile'], message: 'only for latency_quantile' });
    const ratios: [(string | number)[], number | undefined][] = [
      [['threshold'], rule.threshold],
      [['resolveThreshold'], rule.resolveThreshold],
      ...Object.entries(rule.tiers).flatMap(([tier, o]): [(string | number)[], number | undefined][] => [
        [['tiers', tier, 'threshold'], o.threshold],
        [['tiers', tier, 'resolveThreshold'], o.resolveThreshold],
      ]),
    ];
    for (const [path, value] of ratios) {
      if (value !== undefined && value > 1)
        problems.push({ path, message: 'a rate is between 0 and 1 (0.97 for 97%)' });
    }
  }
  const healthySide = (threshold: number, resolve: number) =>
    rule.comparator.startsWith('<') ? resolve >= threshold : resolve <= threshold;
  if (rule.resolveThreshold !== undefined && !healthySide(rule.threshold, rule.resolveThreshold)) {
    problems.push({
      path: ['resolveThreshold'],
      message: `must be on the healthy side of threshold ${rule.threshold}`,
    });
  }
  return problems;
}

/** The validated policy file as the domain's Policy. */
export function toPolicy(input: z.output<typeof policySchema>): Policy {
  return {
    crs: input.crs,
    rules: input.rules.map(
      (rule): Rule => ({
        id: rule.id,
        description: rule.description,
        metric: rule.metric,
        ...(rule.quantile === undefined ? {} : { quantile: rule.quantile }),
        windowMs: rule.window,
        comparator: rule.comparator,
        threshold: rule.threshold,
        resolveThreshold: rule.resolveThreshold ?? rule.threshold,
        minCalls: rule.minCalls,
        forMs: rule.for,
        scopes: rule.scopes,
        actions: rule.actions,
        tiers: Object.fromEntries(
          Object.entries(rule.tiers).map(([tier, o]) => [
            Number(tier) as Tier,
            {
              ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
              ...(o.resolveThreshold === undefined ? {} : { resolveThreshold: o.resolveThreshold }),
              ...(o.minCalls === undefined ? {} : { minCalls: o.minCalls }),
              ...(o.for === undefined ? {} : { forMs: o.for }),
            },
          ]),
        ),
      }),
    ),
    burnRate: {
      enabled: input.burnRate.enabled,
      ruleId: input.burnRate.rule,
      longWindowMs: input.burnRate.longWindow,
      shortWindowMs: input.burnRate.shortWindow,
      factor: input.burnRate.factor,
      minCalls: input.burnRate.minCalls,
    },
  };
}

/** Latency thresholds (ms) the policy decides on: the ingest worker must count calls slower than each. */
export function latencyThresholdsOf(policy: Policy): number[] {
  const needed = new Set<number>();
  for (const rule of policy.rules) {
    if (rule.metric !== 'latency_quantile') continue;
    needed.add(rule.threshold).add(rule.resolveThreshold);
    for (const override of Object.values(rule.tiers)) {
      if (override?.threshold !== undefined) needed.add(override.threshold);
      if (override?.resolveThreshold !== undefined) needed.add(override.resolveThreshold);
    }
  }
  return [...needed].sort((a, b) => a - b);
}
