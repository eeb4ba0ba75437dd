import { describe, expect, it } from 'vitest';
import { emptyCounters } from '../windows/bucket-counters.js';
import { summarizeWindow } from '../windows/window-summary.js';
import { burnRateRule, measureBurnRate } from './burn-rate.js';
import { advanceRuleState, INITIAL_RULE_STATE } from './evaluate-rule.js';
import { DEFAULT_POLICY, PLAYBOOK_RULES } from './playbook-rules.js';
import { limitsFor } from './rule.js';

const burn = { ...DEFAULT_POLICY.burnRate, enabled: true };
const target = PLAYBOOK_RULES[0];
if (target === undefined) throw new Error('no success-rate rule');
const rule = burnRateRule(burn, target);
const limits = limitsFor(rule, undefined);

const window = (served: number, errors: number) => {
  const totals = emptyCounters(1);
  totals.calls = served;
  totals.errors = errors;
  return summarizeWindow(totals, [3000], 3_600_000);
};

describe('multi-window burn-rate early warning', () => {
  it('is derived from the success-rate rule, with its own id and no actions', () => {
    expect(rule).toMatchObject({
      id: 'success-rate-burn-rate',
      metric: 'success_rate',
      windowMs: 3_600_000,
      actions: [],
    });
  });

  it.each([
    // 97% target: the budget is 3%; 14.4x burns 43.2% errors.
    ['both windows at exactly 14.4x', window(1000, 432), window(100, 44), true],
    ['the long window just under', window(1000, 431), window(100, 90), false],
    ['the short window just under', window(1000, 500), window(1000, 431), false],
    ['no recent calls', window(1000, 500), window(0, 0), false],
  ])('%s: fires = %s', (_name, long, short, fires) => {
    expect(measureBurnRate(burn, limits, long, short).breaching).toBe(fires);
  });

  it('fires once, stays while the short window burns, resolves when it stops', () => {
    const steps = [
      [window(1000, 500), window(100, 60)],
      [window(1000, 500), window(100, 50)],
      [window(1000, 500), window(100, 10)],
    ] as const;
    let state = INITIAL_RULE_STATE;
    const transitions = steps.map(([long, short], i) => {
      const evaluation = advanceRuleState(
        measureBurnRate(burn, limits, long, short),
        limits,
        state,
        i * 60_000,
      );
      state = evaluation.state;
      return evaluation.transition;
    });
    expect(transitions).toEqual(['breached', null, 'recovered']);
  });

  it('needs the minimum calls in the long window, and reports the burn rate both windows exceed', () => {
    const few = measureBurnRate(burn, limits, window(49, 49), window(49, 49));
    expect(advanceRuleState(few, limits, INITIAL_RULE_STATE, 0).transition).toBeNull();
    const measured = measureBurnRate(burn, limits, window(1000, 600), window(100, 90));
    expect(measured.value).toBeCloseTo(20, 6); // long 60% / 3% = 20x, short 90% / 3% = 30x
  });
});
