import { describe, expect, it } from 'vitest';
import { UNATTRIBUTED_SERVER } from '../tool-calls/server-identity.js';
import { emptyCounters } from '../windows/bucket-counters.js';
import { summarizeWindow, type WindowSummary } from '../windows/window-summary.js';
import { applicableChecks, applicableRules, type WindowAccessor } from './applicable-checks.js';
import { DEFAULT_POLICY, PLAYBOOK_RULES } from './playbook-rules.js';
import type { Policy, Rule } from './rule.js';
import { measure } from './rule-measurement.js';

const HOUR = 3_600_000;
const BURN_ON: Policy = { ...DEFAULT_POLICY, burnRate: { ...DEFAULT_POLICY.burnRate, enabled: true } };

function playbookRule(id: string): Rule {
  const found = PLAYBOOK_RULES.find((rule) => rule.id === id);
  if (found === undefined) throw new Error(`no playbook rule ${id}`);
  return found;
}

function window(windowMs: number, served: number, errors: number): WindowSummary {
  const totals = emptyCounters(1);
  totals.calls = served;
  totals.errors = errors;
  return summarizeWindow(totals, [3000], windowMs);
}

/** Windows whose error count depends on their length, and every read recorded. */
function recordingWindows(): { windowOf: WindowAccessor; reads: number[] } {
  const reads: number[] = [];
  const windowOf: WindowAccessor = async (windowMs) => {
    reads.push(windowMs);
    return window(windowMs, 1000, windowMs >= 24 * HOUR ? 10 : windowMs >= HOUR ? 500 : 90);
  };
  return { windowOf, reads };
}

describe('the rules that apply to a series', () => {
  it("the policy's rules of the series' scope, in policy order", () => {
    const policy: Policy = {
      ...DEFAULT_POLICY,
      rules: PLAYBOOK_RULES.map((rule) =>
        rule.id === 'latency-p95' ? { ...rule, scopes: ['server'] } : rule,
      ),
    };
    const ids = (scope: 'tool' | 'server') =>
      applicableRules(policy, { scope, tier: undefined }).map((applicable) => applicable.rule.id);
    expect(ids('server')).toEqual(PLAYBOOK_RULES.map((rule) => rule.id));
    expect(ids('tool')).toEqual(['success-rate', 'unexpected-policy-blocks', 'fallback-activation']);
  });

  it('unattributed calls have the tool rules and no server rule', () => {
    const ids = (scope: 'tool' | 'server', server: string) =>
      applicableRules(DEFAULT_POLICY, { server, scope, tier: undefined }).map(
        (applicable) => applicable.rule.id,
      );
    expect(ids('server', UNATTRIBUTED_SERVER)).toEqual([]);
    expect(ids('tool', UNATTRIBUTED_SERVER)).toEqual(ids('tool', 'stdio-mcp'));
    expect(ids('server', 'stdio-mcp')).toEqual(PLAYBOOK_RULES.map((rule) => rule.id));
  });

  it("a tier's overrides apply to servers of that tier only; unregistered servers get the rule's own", () => {
    const strict = { ...playbookRule('success-rate'), tiers: { 2: { threshold: 0.99, minCalls: 10 } } };
    const policy: Policy = { ...DEFAULT_POLICY, rules: [strict] };
    const limits = (tier: 0 | 1 | 2 | undefined) =>
      applicableRules(policy, { scope: 'tool', tier })[0]?.limits;
    expect(limits(2)).toEqual({ threshold: 0.99, resolveThreshold: 0.99, minCalls: 10, forMs: 0 });
    expect(limits(1)).toEqual({ threshold: 0.97, resolveThreshold: 0.975, minCalls: 50, forMs: 0 });
    expect(limits(undefined)).toEqual(limits(1));
  });

  it("the burn-rate warning burns the budget of its rule's tier, with its own minimum of calls", () => {
    const strict = { ...playbookRule('success-rate'), tiers: { 2: { threshold: 0.99, minCalls: 10 } } };
    const policy: Policy = {
      ...DEFAULT_POLICY,
      rules: [strict],
      burnRate: { ...DEFAULT_POLICY.burnRate, enabled: true },
    };
    const burn = (tier: 0 | 1 | 2 | undefined) =>
      applicableRules(policy, { scope: 'tool', tier }).find((applicable) => applicable.kind === 'burn-rate')
        ?.limits;
    expect(burn(2)).toMatchObject({ threshold: 0.99, minCalls: DEFAULT_POLICY.burnRate.minCalls });
    expect(burn(1)).toMatchObject({ threshold: 0.97, minCalls: DEFAULT_POLICY.burnRate.minCalls });
  });

  it('the burn-rate warning joins when it is on and its rule applies to the scope', () => {
    const kinds = (policy: Policy, scope: 'tool' | 'server') =>
      applicableRules(policy, { scope, tier: undefined }).map(
        (applicable) => `${applicable.kind}:${applicable.rule.id}`,
      );
    expect(kinds(DEFAULT_POLICY, 'tool')).not.toContain('burn-rate:success-rate-burn-rate');
    expect(kinds(BURN_ON, 'tool')).toContain('burn-rate:success-rate-burn-rate');
    expect(kinds(BURN_ON, 'server')).toContain('burn-rate:success-rate-burn-rate');
    const serverOnly: Policy = {
      ...BURN_ON,
      rules: PLAYBOOK_RULES.map((rule) =>
        rule.id === 'success-rate' ? { ...rule, scopes: ['server'] } : rule,
      ),
    };
    expect(kinds(serverOnly, 'tool')).not.toContain('burn-rate:success-rate-burn-rate');
    expect(kinds(serverOnly, 'server')).toContain('burn-rate:success-rate-burn-rate');
  });
});

describe('the checks of a series', () => {
  it('measures each budget rule on its own window, and the warning on its two windows', async () => {
    const { windowOf } = recordingWindows();
    const checks = await applicableChecks(BURN_ON, { scope: 'tool', tier: undefined }, windowOf);
    for (const check of checks.filter((candidate) => candidate.kind === 'budget')) {
      expect(check.measurement, check.rule.id).toEqual(
        measure(check.rule, check.limits, await windowOf(check.rule.windowMs)),
      );
    }
    const warning = checks.find((check) => check.kind === 'burn-rate');
    // Long window (1h): 50% errors, short (5m): 9%; 3% budget: min(16.7x, 3x).
    expect(warning?.measurement).toMatchObject({ part: 500, whole: 1000, breaching: false });
    expect(warning?.measurement.value).toBeCloseTo(3, 6);
  });

  it('reads each window once, however many rules share it', async () => {
    const { windowOf, reads } = recordingWindows();
    await applicableChecks(BURN_ON, { scope: 'server', tier: undefined }, windowOf);
    expect([...reads].sort((a, b) => a - b)).toEqual([5 * 60_000, HOUR, 2 * HOUR, 24 * HOUR]);
  });
});
