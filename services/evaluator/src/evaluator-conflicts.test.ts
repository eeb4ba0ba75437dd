import type { RuleState } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import { EvaluationBed } from './evaluation-bed.fixtures.js';
import { InMemoryRuleStateStore } from './memory/in-memory-rule-state-store.js';
import type { StoredRuleState } from './rule-state-store.js';

/**
 * Rule states whose first `parties` reads all return before any of them does: every evaluator then
 * decides from the same version, and all but one lose the conditional write.
 */
class SameVersionForAll extends InMemoryRuleStateStore {
  private readonly arrived: (() => void)[] = [];

  constructor(
    private readonly parties: number,
    now: () => number,
  ) {
    super(now);
  }

  override async read(seriesId: string, ruleIds: readonly string[]): Promise<Map<string, StoredRuleState>> {
    const found = await super.read(seriesId, ruleIds);
    if (this.arrived.length < this.parties) {
      const released = new Promise<void>((resolve) => this.arrived.push(resolve));
      if (this.arrived.length === this.parties) for (const release of this.arrived) release();
      await released;
    }
    return found;
  }

  async stateOf(seriesId: string, ruleId: string): Promise<RuleState | undefined> {
    return (await super.read(seriesId, [ruleId])).get(ruleId)?.state;
  }
}

describe('evaluator: two evaluators on one store', () => {
  it('decide a breach both saw from the same state once: one writes it, the other finds it written', async () => {
    const bed = new EvaluationBed();
    const states = new SameVersionForAll(2, bed.now);
    const [one, two] = [bed.evaluator({ states }), bed.evaluator({ states })];
    await bed.record('payments', 'refund', 100, { outcome: 'error' });
    const series = { server: 'payments', tool: 'refund', drill: false };

    const made = await Promise.all([one.evaluateSeries(series), two.evaluateSeries(series)]);

    expect(made.sort()).toEqual([0, 1]);
    expect(bed.eventTypes('payments/refund')).toEqual(['budget.breached', 'traffic.frozen']);
    expect(one.metrics.conflicts + two.metrics.conflicts).toBeGreaterThan(0);
    expect(await states.stateOf('prod|payments|refund', 'success-rate')).toMatchObject({
      status: 'firing',
      transitions: 1,
    });
    expect(await states.outboxes(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it('sweeping the same series side by side, publish each transition once', async () => {
    const bed = new EvaluationBed();
    const [one, two] = [bed.evaluator(), bed.evaluator()];
    for (const tool of ['refund', 'charge', 'lookup']) {
      await bed.record('payments', tool, 100);
      await bed.record('payments', tool, 10, { outcome: 'error' });
    }
    await Promise.all([one.sweep(), two.sweep()]);
    for (const tool of ['refund', 'charge', 'lookup']) {
      await bed.record('payments', tool, 400);
    }
    await Promise.all([one.sweep(), two.sweep()]);

    const ids = bed.publisher.published.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Each tool and the server: a breach and its recovery, with their actions.
    expect(ids).toHaveLength(4 * 4);
    expect(one.metrics.transitions + two.metrics.transitions).toBe(4 * 2);
  });
});
