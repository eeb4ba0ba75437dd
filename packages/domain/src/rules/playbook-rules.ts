import { DEFAULT_CRS_SCORING } from '../crs/crs-scoring.js';
import type { Policy, Rule } from './rule.js';

const HOUR = 3_600_000;

/** The four rules of the operator playbook (docs/contract.md#4-rules): the shipped default policy. */
export const PLAYBOOK_RULES: readonly Rule[] = [
  {
    id: 'success-rate',
    description: 'Tool success rate under 97% over 24h: route to fallback, freeze new traffic',
    metric: 'success_rate',
    windowMs: 24 * HOUR,
    comparator: '<',
    threshold: 0.97,
    resolveThreshold: 0.975,
    minCalls: 50,
    forMs: 0,
    scopes: ['tool', 'server'],
    actions: ['freeze-traffic'],
    tiers: {},
  },
  {
    id: 'latency-p95',
    description: 'Tool p95 latency over 3 s over 2h: lower concurrency, inspect the dependency',
    metric: 'latency_quantile',
    quantile: 0.95,
    windowMs: 2 * HOUR,
    comparator: '>',
    threshold: 3000,
    resolveThreshold: 3000,
    minCalls: 50,
    forMs: 0,
    scopes: ['tool', 'server'],
    actions: ['lower-concurrency'],
    tiers: {},
  },
  {
    id: 'unexpected-policy-blocks',
    description: 'Unexpected policy blocks over 10% over 24h: audit scope mapping and routing rules',
    metric: 'unexpected_block_rate',
    windowMs: 24 * HOUR,
    comparator: '>',
    threshold: 0.1,
    resolveThreshold: 0.08,
    minCalls: 50,
    forMs: 0,
    scopes: ['tool', 'server'],
    actions: ['request-audit'],
    tiers: {},
  },
  {
    id: 'fallback-activation',
    description: 'Fallback activations over 15% over 2h: open an incident, halt expansion',
    metric: 'fallback_rate',
    windowMs: 2 * HOUR,
    comparator: '>',
    threshold: 0.15,
    resolveThreshold: 0.12,
    minCalls: 50,
    forMs: 0,
    scopes: ['tool', 'server'],
    actions: ['open-incident', 'halt-expansion'],
    tiers: {},
  },
];

export const DEFAULT_POLICY: Policy = {
  rules: PLAYBOOK_RULES,
  crs: DEFAULT_CRS_SCORING,
  burnRate: {
    enabled: false,
    ruleId: 'success-rate',
    longWindowMs: HOUR,
    shortWindowMs: 5 * 60_000,
    factor: 14.4,
    minCalls: 50,
  },
};
