import { DEFAULT_POLICY, type Policy, type Rule, seriesId } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import { EvaluationBed, inventoryOptions, registeredServer } from './evaluation-bed.fixtures.js';

/**
 * How the evaluator moves each rule's state over the windows, on the in-memory adapters with a
 * clock only the test moves: one evaluation at a time, no timers.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const REFUND = { server: 'payments', tool: 'refund', drill: false };
/** The events of the success-rate rule's transitions. */
const BREACH = ['budget.breached', 'traffic.frozen'];
const RECOVERY = ['budget.recovered', 'traffic.unfrozen'];

/** The playbook with one rule changed. */
function policyWith(ruleId: string, changes: Partial<Rule>): Policy {
  return {
    ...DEFAULT_POLICY,
    rules: DEFAULT_POLICY.rules.map((rule) => (rule.id === ruleId ? { ...rule, ...changes } : rule)),
  };
}

const BURN_RATE_ON: Policy = { ...DEFAULT_POLICY, burnRate: { ...DEFAULT_POLICY.burnRate, enabled: true } };

async function storedSuccessRate(bed: EvaluationBed) {
  return (await bed.states.read(seriesId(REFUND), ['success-rate'])).get('success-rate')?.state;
}

describe('evaluator: rule state transitions', () => {
  it('a breach is one transition with its actions; staying breached adds nothing; recovery undoes them', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator();
    await bed.record('payments', 'refund', 100);
    await bed.record('payments', 'refund', 10, { outcome: 'error' }); // 90.9%
    expect(await evaluator.evaluateSeries(REFUND)).toBe(1);
    bed.advance(MINUTE);
    expect(await evaluator.evaluateSeries(REFUND)).toBe(0);
    expect(bed.eventTypes('payments/refund')).toEqual(BREACH);

    await bed.record('payments', 'refund', 400); // 500 of 510: 98%
    expect(await evaluator.evaluateSeries(REFUND)).toBe(1);
    expect(bed.eventTypes('payments/refund')).toEqual([...BREACH, ...RECOVERY]);
    expect(evaluator.metrics.transitions).toBe(2);
  });

  it("names each event by rule, series, the state's epoch and transition number", async () => {
    const bed = new EvaluationBed();
    const historyBegan = bed.nowMs;
    await bed.record('payments', 'refund', 100, { outcome: 'error' });
    await bed.evaluator().evaluateSeries(REFUND);
    const [breach] = bed.publisher.published;
    expect(breach?.id).toBe(`success-rate/${seriesId(REFUND)}/${historyBegan}/1/budget.breached`);
    expect(breach?.data).toMatchObject({ rule: 'success-rate', transition: 1, part: 0, whole: 100 });
  });

  it('resolves only past the resolve threshold (hysteresis), not when back over the threshold', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator();
    await bed.record('payments', 'refund', 100);
    await bed.record('payments', 'refund', 10, { outcome: 'error' });
    await evaluator.evaluateSeries(REFUND);
    await bed.record('payments', 'refund', 230); // 330 of 340: 97.06%, over 97% but under 97.5%
    expect(await evaluator.evaluateSeries(REFUND)).toBe(0);
    expect((await storedSuccessRate(bed))?.status).toBe('firing');
    await bed.record('payments', 'refund', 70); // 400 of 410: 97.56%
    expect(await evaluator.evaluateSeries(REFUND)).toBe(1);
    expect(bed.eventTypes('payments/refund').at(-2)).toBe('budget.recovered');
  });

  it('fires only once the breach has lasted its `for` duration; a pause in the breach starts the wait again', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator({ policy: policyWith('success-rate', { forMs: 5 * MINUTE }) });
    await bed.record('payments', 'refund', 100);
    await bed.record('payments', 'refund', 10, { outcome: 'error' });
    await evaluator.evaluateSeries(REFUND);
    bed.advance(3 * MINUTE);
    await bed.record('payments', 'refund', 300); // 400 of 410: healthy again
    await evaluator.evaluateSeries(REFUND);
    bed.advance(MINUTE);
    await bed.record('payments', 'refund', 10, { outcome: 'error' }); // 400 of 420: breached again
    await evaluator.evaluateSeries(REFUND);
    bed.advance(4 * MINUTE);
    expect(await evaluator.evaluateSeries(REFUND)).toBe(0);
    expect((await storedSuccessRate(bed))?.status).toBe('ok');
    bed.advance(MINUTE);
    expect(await evaluator.evaluateSeries(REFUND)).toBe(1);
    expect(bed.eventTypes('payments/refund')).toEqual(BREACH);
  });

  it('does not fire on fewer calls than the minimum, however bad', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator();
    await bed.record('payments', 'refund', 49, { outcome: 'error' });
    expect(await evaluator.evaluateSeries(REFUND)).toBe(0);
    expect((await storedSuccessRate(bed))?.status ?? 'no_data').toBe('no_data');
    await bed.record('payments', 'refund', 1, { outcome: 'error' });
    expect(await evaluator.evaluateSeries(REFUND)).toBe(1);
  });

  it('an empty window is no_data: an open breach stays open through it and recovers on healthy calls', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator();
    await bed.record('payments', 'refund', 100, { outcome: 'error' });
    await evaluator.evaluateSeries(REFUND);
    bed.advance(25 * HOUR);
    expect(await evaluator.evaluateSeries(REFUND)).toBe(0);
    expect(await storedSuccessRate(bed)).toMatchObject({ status: 'no_data', breachOpen: true });
    await bed.record('payments', 'refund', 100);
    expect(await evaluator.evaluateSeries(REFUND)).toBe(1);
    expect(bed.eventTypes('payments/refund')).toEqual([...BREACH, ...RECOVERY]);
  });

  it('shows a latency breach with the p95 from the latency sketch, decided on the slow counter', async () => {
    const bed = new EvaluationBed();
    await bed.record('payments', 'refund', 90);
    await bed.record('payments', 'refund', 10, { latencyMs: 4000 });
    await bed.evaluator().evaluateSeries(REFUND);
    const breach = bed.publisher.published.find((event) => event.data.rule === 'latency-p95');
    expect(breach?.type).toBe('budgetwatch.budget.breached');
    expect(breach?.data).toMatchObject({ part: 10, whole: 100 });
    const value = breach !== undefined && 'value' in breach.data ? breach.data.value : null;
    expect(value).toBeCloseTo(4000, -2);
  });
});

describe('evaluator: the burn-rate warning', () => {
  /** A day of healthy calls, then half the calls of the last minutes failing. */
  async function fastBurn(bed: EvaluationBed): Promise<void> {
    await bed.record('payments', 'refund', 10_000, { agoMs: 3 * HOUR });
    await bed.record('payments', 'refund', 50);
    await bed.record('payments', 'refund', 50, { outcome: 'error' });
  }

  it('pages on a fast burn while the 24h success rate holds, and recovers when the short window cools', async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator({ policy: BURN_RATE_ON });
    await fastBurn(bed);
    expect(await evaluator.evaluateSeries(REFUND)).toBe(1);
    const [warning] = bed.publisher.published;
    expect(warning?.data).toMatchObject({ rule: 'success-rate-burn-rate', part: 50, whole: 100 });
    expect(bed.eventTypes('payments/refund')).toEqual(['budget.breached']);

    await bed.record('payments', 'refund', 1000); // 50 of 1,100 failed in 5 min: 1.5x
    expect(await evaluator.evaluateSeries(REFUND)).toBe(1);
    expect(bed.eventTypes('payments/refund')).toEqual(['budget.breached', 'budget.recovered']);
  });

  it('is silent when switched off', async () => {
    const bed = new EvaluationBed();
    await fastBurn(bed);
    expect(await bed.evaluator().evaluateSeries(REFUND)).toBe(0);
    expect(bed.publisher.published).toEqual([]);
  });
});

describe("evaluator: tier overrides from the server's inventory entry", () => {
  it("decides each server on its tier's limits and says so in the breach", async () => {
    const bed = new EvaluationBed();
    const evaluator = bed.evaluator({
      policy: policyWith('success-rate', { tiers: { 2: { threshold: 0.99 } } }),
      crs: inventoryOptions(registeredServer('strict', { tier: 2 }), registeredServer('lenient')),
    });
    for (const server of ['strict', 'lenient']) {
      await bed.record(server, 'refund', 980);
      await bed.record(server, 'refund', 20, { outcome: 'error' }); // 98%
      await evaluator.evaluateSeries({ server, tool: 'refund', drill: false });
    }
    expect(bed.eventTypes('strict/refund')).toEqual(BREACH);
    expect(bed.publisher.published[0]?.data).toMatchObject({ threshold: 0.99, tier: 2 });
    expect(bed.eventTypes('lenient/refund')).toEqual([]);
  });
});
