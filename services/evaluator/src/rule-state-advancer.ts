import { initialRuleState, type RuleState, sameRuleState } from '@budgetwatch/domain';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import type { EvaluatorMetrics } from './evaluator-metrics.js';
import type { OutboxPublisher } from './outbox-publisher.js';
import type { RuleStateStore, StoredRuleState } from './rule-state-store.js';

/** A rule's next state decided from its previous one, and the events of the transition, if any. */
export interface Decision {
  state: RuleState;
  events: BudgetwatchEvent[];
}

/** Tries of one decision before another evaluator, which keeps moving the state, is left to it. */
const MAX_ATTEMPTS = 4;

/**
 * Moves stored rule states by conditional writes (compare and set on the version), so that any
 * number of evaluators decide each transition once; a written transition's outbox is then published.
 */
export class RuleStateAdvancer {
  constructor(
    private readonly states: RuleStateStore,
    private readonly outboxes: OutboxPublisher,
    private readonly metrics: EvaluatorMetrics,
  ) {}

  /**
   * Moves one stored state, deciding again from what another evaluator wrote when the version
   * moved. True when this call made a transition (wrote events).
   */
  async advance(
    seriesId: string,
    ruleId: string,
    stored: StoredRuleState | undefined,
    nowMs: number,
    decide: (previous: RuleState) => Promise<Decision>,
  ): Promise<boolean> {
    let previous: StoredRuleState = stored ?? { state: initialRuleState(nowMs), version: 0 };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      this.metrics.evaluations += 1;
      const { state, events } = await decide(previous.state);
      if (sameRuleState(state, previous.state)) return false;
      const written = await this.states.write(seriesId, ruleId, previous.version, state, events, nowMs);
      if (written.written) {
        if (events.length === 0) return false;
        this.metrics.transitions += 1;
        await this.outboxes.publish(seriesId, ruleId);
        return true;
      }
      // Another evaluator moved this state: decide again from what it wrote.
      this.metrics.conflicts += 1;
      previous = (await this.states.read(seriesId, [ruleId])).get(ruleId) ?? previous;
    }
    return false;
  }

  /** Reads one rule's stored state and moves it: for rules decided alone (CRS gate, inventory). */
  async readAndAdvance(
    seriesId: string,
    ruleId: string,
    nowMs: number,
    decide: (previous: RuleState) => Promise<Decision>,
  ): Promise<boolean> {
    const stored = (await this.states.read(seriesId, [ruleId])).get(ruleId);
    return this.advance(seriesId, ruleId, stored, nowMs, decide);
  }
}
