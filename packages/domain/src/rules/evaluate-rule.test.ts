import { describe, expect, it } from 'vitest';
import { emptyCounters } from '../windows/bucket-counters.js';
import { summarizeWindow, type WindowSummary } from '../windows/window-summary.js';
import {
  evaluateRule,
  INITIAL_RULE_STATE,
  initialRuleState,
  type RuleState,
  sameRuleState,
  storedRuleState,
  type Transition,
} from './evaluate-rule.js';
import { PLAYBOOK_RULES } from './playbook-rules.js';
import { limitsFor, type Rule } from './rule.js';
import { MissingLatencyThresholdError } from './rule-measurement.js';

const THRESHOLDS = [3000, 2500];
const MINUTE = 60_000;
const rule = (id: string, changes: Partial<Rule> = {}): Rule => {
  const found = PLAYBOOK_RULES.find((r) => r.id === id);
  if (found === undefined) throw new Error(id);
  return { ...found, ...changes };
};

interface Counts {
  calls: number;
  errors?: number;
  blockedExpected?: number;
  blockedUnexpected?: number;
  fallbacks?: number;
  slow3000?: number;
  slow2500?: number;
}

function summary(counts: Counts): WindowSummary {
  const totals = emptyCounters(THRESHOLDS.length);
  totals.calls = counts.calls;
  totals.errors = counts.errors ?? 0;
  totals.blockedExpected = counts.blockedExpected ?? 0;
  totals.blockedUnexpected = counts.blockedUnexpected ?? 0;
  totals.fallbacks = counts.fallbacks ?? 0;
  totals.slow = [counts.slow3000 ?? 0, counts.slow2500 ?? 0];
  return summarizeWindow(totals, THRESHOLDS, 3_600_000);
}

/** Feeds a sequence of windows through the state machine; returns the statuses and transitions. */
function run(r: Rule, steps: { at: number; counts: Counts }[], start: RuleState = INITIAL_RULE_STATE) {
  let state = start;
  const statuses: string[] = [];
  const transitions: (Transition | null)[] = [];
  for (const { at, counts } of steps) {
    const evaluation = evaluateRule(r, limitsFor(r, undefined), summary(counts), state, at);
    state = evaluation.state;
    statuses.push(state.status);
    transitions.push(evaluation.transition);
  }
  return { statuses, transitions, state };
}

const once = (r: Rule, counts: Counts) => run(r, [{ at: 1000, counts }]);

describe('success-rate: fires under 97% of served calls over 24h', () => {
  it.each([
    ['exactly 97% is not a breach', { calls: 100, errors: 3 }, 'ok', null],
    ['exactly 97% of 300 is not a breach', { calls: 300, errors: 9 }, 'ok', null],
    ['96.99% is a breach', { calls: 10_000, errors: 301 }, 'firing', 'breached'],
    ['97.01% is not', { calls: 10_000, errors: 299 }, 'ok', null],
    [
      'blocked calls are not served and do not count',
      { calls: 120, errors: 3, blockedUnexpected: 20 },
      'ok',
      null,
    ],
    [
      '49 served calls, all failed: below the minimum, nothing fires',
      { calls: 49, errors: 49 },
      'no_data',
      null,
    ],
    ['50 served calls with 2 failures (96%) fire', { calls: 50, errors: 2 }, 'firing', 'breached'],
    ['no calls at all is no_data, not ok', { calls: 0 }, 'no_data', null],
    ['only blocked calls: nothing served, no_data', { calls: 80, blockedExpected: 80 }, 'no_data', null],
  ] as const)('%s', (_name, counts, status, transition) => {
    const result = once(rule('success-rate'), counts);
    expect(result.statuses).toEqual([status]);
    expect(result.transitions).toEqual([transition]);
  });

  it('resolves only at the resolve threshold (97.5%), so a rate hovering at 97% does not flap', () => {
    const steps = [
      { calls: 1000, errors: 31 }, // 96.9%: breached
      { calls: 1000, errors: 29 }, // 97.1%: above the threshold, inside the hysteresis band
      { calls: 1000, errors: 31 }, // 96.9%
      { calls: 1000, errors: 26 }, // 97.4%
      { calls: 1000, errors: 25 }, // 97.5%: recovered
      { calls: 1000, errors: 29 }, // 97.1%: healthy
      { calls: 1000, errors: 31 }, // 96.9%: breached again
    ].map((counts, i) => ({ at: 1000 + i * MINUTE, counts }));
    const result = run(rule('success-rate'), steps);
    expect(result.statuses).toEqual(['firing', 'firing', 'firing', 'firing', 'ok', 'ok', 'firing']);
    expect(result.transitions).toEqual(['breached', null, null, null, 'recovered', null, 'breached']);
    expect(result.state.transitions).toBe(3);
  });

  it('waits out a `for` duration, and forgets a breach that ends before it', () => {
    const r = rule('success-rate', { forMs: 5 * MINUTE });
    const bad = { calls: 100, errors: 10 };
    const good = { calls: 100, errors: 0 };
    const result = run(r, [
      { at: 0, counts: bad },
      { at: 4 * MINUTE, counts: bad },
      { at: 4 * MINUTE + 30_000, counts: good }, // the breach ended: the clock restarts
      { at: 5 * MINUTE, counts: bad },
      { at: 9 * MINUTE + 59_999, counts: bad },
      { at: 10 * MINUTE, counts: bad },
    ]);
    expect(result.statuses).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'firing']);
    expect(result.transitions).toEqual([null, null, null, null, null, 'breached']);
    expect(result.state.since).toBe(10 * MINUTE);
  });

  it('keeps a breach open through no data: no second breach, and recovery is announced', () => {
    const result = run(rule('success-rate'), [
      { at: 0, counts: { calls: 100, errors: 10 } },
      { at: MINUTE, counts: { calls: 0 } },
      { at: 2 * MINUTE, counts: { calls: 10, errors: 0 } }, // too few calls to judge: still firing
      { at: 3 * MINUTE, counts: { calls: 100, errors: 10 } },
      { at: 4 * MINUTE, counts: { calls: 100, errors: 0 } },
    ]);
    expect(result.statuses).toEqual(['firing', 'no_data', 'firing', 'firing', 'ok']);
    expect(result.transitions).toEqual(['breached', null, null, null, 'recovered']);
  });

  it('applies per-tier overrides; an overridden threshold is also the default resolve threshold', () => {
    const r = rule('success-rate', { tiers: { 2: { threshold: 0.99, minCalls: 10 } } });
    expect(limitsFor(r, 2)).toEqual({ threshold: 0.99, resolveThreshold: 0.99, minCalls: 10, forMs: 0 });
    expect(limitsFor(r, 1)).toEqual(limitsFor(r, undefined));
    const counts = summary({ calls: 20, errors: 1 }); // 95%
    expect(evaluateRule(r, limitsFor(r, 2), counts, INITIAL_RULE_STATE, 0).transition).toBe('breached');
    expect(evaluateRule(r, limitsFor(r, 0), counts, INITIAL_RULE_STATE, 0).transition).toBeNull();
  });
});

describe('latency-p95: fires when more than 5% of served calls took longer than 3 s over 2h', () => {
  it.each([
    ['exactly 5% slower is not a breach', { calls: 100, slow3000: 5 }, null],
    ['5.01% slower is a breach', { calls: 10_000, slow3000: 501 }, 'breached'],
    [
      'slow blocked calls do not exist: blocks leave the denominator',
      { calls: 120, blockedUnexpected: 20, slow3000: 5 },
      null,
    ],
  ] as const)('%s', (_name, counts, transition) => {
    expect(once(rule('latency-p95'), counts).transitions).toEqual([transition]);
  });

  it('resolves against its own resolve threshold in ms (hysteresis needs that counter too)', () => {
    const r = rule('latency-p95', { resolveThreshold: 2500 });
    const result = run(r, [
      { at: 0, counts: { calls: 100, slow3000: 10, slow2500: 12 } },
      { at: MINUTE, counts: { calls: 100, slow3000: 2, slow2500: 8 } }, // p95 < 3 s but > 2.5 s
      { at: 2 * MINUTE, counts: { calls: 100, slow3000: 2, slow2500: 5 } },
    ]);
    expect(result.transitions).toEqual(['breached', null, 'recovered']);
  });

  it('says which counter is missing when the ingest worker does not keep it', () => {
    const r = rule('latency-p95', { threshold: 1000, resolveThreshold: 1000 });
    expect(() => once(r, { calls: 100 })).toThrow(MissingLatencyThresholdError);
    expect(() => once(r, { calls: 100 })).toThrow('1000 ms');
  });
});

describe('unexpected-policy-blocks and fallback-activation: rates of all calls', () => {
  it.each([
    ['unexpected-policy-blocks', { calls: 100, blockedUnexpected: 10 }, null],
    ['unexpected-policy-blocks', { calls: 1000, blockedUnexpected: 101 }, 'breached'],
    ['unexpected-policy-blocks', { calls: 1000, blockedExpected: 500, blockedUnexpected: 10 }, null],
    ['fallback-activation', { calls: 100, fallbacks: 15 }, null],
    ['fallback-activation', { calls: 10_000, fallbacks: 1501 }, 'breached'],
    ['fallback-activation', { calls: 49, fallbacks: 49 }, null],
  ] as const)('%s with %j', (id, counts, transition) => {
    expect(once(rule(id), counts).transitions).toEqual([transition]);
  });

  it('reports the exact counts and the value people see', () => {
    const r = rule('fallback-activation');
    const evaluation = evaluateRule(
      r,
      limitsFor(r, undefined),
      summary({ calls: 200, fallbacks: 40 }),
      INITIAL_RULE_STATE,
      0,
    );
    expect(evaluation.measurement).toEqual({
      part: 40,
      whole: 200,
      value: 0.2,
      breaching: true,
      recovered: false,
    });
  });
});

describe('the history of a state (epoch)', () => {
  it('keeps the epoch its history began with through every transition', () => {
    const r = rule('success-rate');
    const { state, transitions } = run(
      r,
      [
        { at: 1000, counts: { calls: 100, errors: 10 } },
        { at: 2000, counts: { calls: 1000, errors: 10 } },
        { at: 3000, counts: { calls: 1000, errors: 100 } },
      ],
      initialRuleState(500),
    );
    expect(transitions).toEqual(['breached', 'recovered', 'breached']);
    expect(state).toMatchObject({ epoch: 500, transitions: 3 });
  });

  it('reads a state stored before epochs existed as epoch 0, and keeps a stored epoch', () => {
    const { epoch: _, ...legacy } = { ...INITIAL_RULE_STATE, status: 'firing' as const, transitions: 4 };
    expect(storedRuleState(legacy)).toEqual({ ...legacy, epoch: 0 });
    expect(storedRuleState({ ...legacy, epoch: 77 }).epoch).toBe(77);
  });
});

describe('the same rule state', () => {
  const state: RuleState = { ...INITIAL_RULE_STATE, status: 'firing', since: 10, breachOpen: true, epoch: 5 };

  it('is the same whatever order its fields were read in', () => {
    const { epoch, status, ...rest } = state;
    expect(sameRuleState(state, { epoch, ...rest, status })).toBe(true);
  });

  it.each<[keyof RuleState, RuleState[keyof RuleState]]>([
    ['status', 'ok'],
    ['since', 11],
    ['pendingSince', 10],
    ['breachOpen', false],
    ['transitions', 1],
    ['epoch', 6],
  ])('differs when %s does', (field, value) => {
    expect(sameRuleState(state, { ...state, [field]: value })).toBe(false);
  });
});
