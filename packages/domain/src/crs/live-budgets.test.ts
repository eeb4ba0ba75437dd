import { describe, expect, it } from 'vitest';
import { applicableChecks } from '../rules/applicable-checks.js';
import { DEFAULT_POLICY, PLAYBOOK_RULES } from '../rules/playbook-rules.js';
import type { Policy } from '../rules/rule.js';
import { emptyCounters } from '../windows/bucket-counters.js';
import { summarizeWindow } from '../windows/window-summary.js';
import { budgetUsed } from './budget-consumption.js';
import { liveBudgets } from './live-budgets.js';

const BURN_ON: Policy = { ...DEFAULT_POLICY, burnRate: { ...DEFAULT_POLICY.burnRate, enabled: true } };

/** 1,000 calls in every window: 15 failed (half the success-rate budget), 5 blocked unexpectedly. */
const rollupWindows = async (windowMs: number) => {
  const totals = emptyCounters(1);
  totals.calls = 1000;
  totals.errors = 15;
  totals.blockedUnexpected = 5;
  return summarizeWindow(totals, [3000], windowMs);
};

describe("a server's live budgets for the CRS", () => {
  it('counts each budget rule of the rollup, never the burn-rate warning', async () => {
    const checks = await applicableChecks(BURN_ON, { scope: 'server', tier: 2 }, rollupWindows);
    expect(checks.map((check) => check.rule.id)).toContain('success-rate-burn-rate');
    const live = liveBudgets(checks);
    expect(Object.keys(live.consumed).sort()).toEqual(PLAYBOOK_RULES.map((rule) => rule.id).sort());
    expect(live.consumed['success-rate']).toBeCloseTo(15 / 995 / 0.03, 6);
    expect(live.unexpectedBlocksRule).toBe('unexpected-policy-blocks');
  });

  it("names the policy's unexpected-block rule, whatever its id", async () => {
    const renamed: Policy = {
      ...DEFAULT_POLICY,
      rules: PLAYBOOK_RULES.map((rule) =>
        rule.metric === 'unexpected_block_rate' ? { ...rule, id: 'blocks' } : rule,
      ),
    };
    const checks = await applicableChecks(renamed, { scope: 'server', tier: 2 }, rollupWindows);
    const live = liveBudgets(checks);
    expect(live.unexpectedBlocksRule).toBe('blocks');
    expect(live.consumed.blocks).toBeCloseTo(0.005 / 0.1, 6);
  });
});

describe('how close a check is to firing', () => {
  it('the burn-rate warning: its burn rate over the factor that fires it', async () => {
    const checks = await applicableChecks(BURN_ON, { scope: 'server', tier: 2 }, rollupWindows);
    const warning = checks.find((check) => check.kind === 'burn-rate');
    if (warning === undefined) throw new Error('no burn-rate check');
    // 15 errors of 995 served against a 3% budget: 0.5x, of the 14.4x that fires.
    expect(budgetUsed(warning)).toBeCloseTo(15 / 995 / 0.03 / 14.4, 6);
    const success = checks.find((check) => check.rule.id === 'success-rate');
    if (success === undefined) throw new Error('no success-rate check');
    expect(budgetUsed(success)).toBeCloseTo(15 / 995 / 0.03, 6);
  });
});
