import {
  advanceRuleState,
  applicableChecks,
  type Measurement,
  measureRule,
  type Policy,
  type RuleCheck,
  type RuleState,
  type SeriesRef,
  scopeOf,
  seriesId,
} from '@budgetwatch/domain';
import { type ResponderContext, transitionEvents } from '@budgetwatch/events';
import type { WindowReader } from '@budgetwatch/window-store';
import type { Decision, RuleStateAdvancer } from './rule-state-advancer.js';
import type { RuleStateStore } from './rule-state-store.js';

export interface SeriesEvaluationOptions {
  policy: Policy;
  windows: WindowReader;
  states: RuleStateStore;
  advancer: RuleStateAdvancer;
  /** The inventory's responder fields (and tier) of a server, as the inventory is now. */
  responderFor: (server: string) => ResponderContext;
}

/**
 * Decides every rule of one series: the checks that apply (with the server's tier) over its
 * windows, each moving its stored state. One evaluation of a series at a time in this process.
 */
export class SeriesEvaluation {
  /** Series being evaluated now, and when each evaluation ends. */
  private readonly inFlight = new Map<string, Promise<number>>();

  constructor(private readonly options: SeriesEvaluationOptions) {}

  /** The transitions made; 0 at once when the series is being evaluated already. */
  evaluate(series: SeriesRef, nowMs: number): Promise<number> {
    const id = seriesId(series);
    if (this.inFlight.has(id)) return Promise.resolve(0);
    const evaluation = this.evaluateRules(series, id, nowMs).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, evaluation);
    return evaluation;
  }

  /** Resolves once no evaluation is running (those started meanwhile included). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight.values());
  }

  private async evaluateRules(series: SeriesRef, id: string, nowMs: number): Promise<number> {
    const { policy, windows, states, advancer } = this.options;
    const responder = this.options.responderFor(series.server);
    // Decisions use exact counters only; the latency sketch (a quantile people read) is read for
    // the few evaluations that emit events, which keeps a sweep to the counter rings.
    const checks = await applicableChecks(
      policy,
      { server: series.server, scope: scopeOf(series), tier: responder.tier ?? undefined },
      (windowMs) => windows.series(series, windowMs, nowMs, { quantiles: false }),
    );
    if (checks.length === 0) return 0;
    const stored = await states.read(
      id,
      checks.map((check) => check.rule.id),
    );
    let transitions = 0;
    for (const check of checks) {
      const decide = (previous: RuleState) => this.decide(check, series, responder, previous, nowMs);
      const moved = await advancer.advance(id, check.rule.id, stored.get(check.rule.id), nowMs, decide);
      if (moved) transitions += 1;
    }
    return transitions;
  }

  /** One check's next state from `previous`, and the events when that is a transition. */
  private async decide(
    check: RuleCheck,
    series: SeriesRef,
    responder: ResponderContext,
    previous: RuleState,
    nowMs: number,
  ): Promise<Decision> {
    const evaluation = advanceRuleState(check.measurement, check.limits, previous, nowMs);
    if (evaluation.transition === null) return { state: evaluation.state, events: [] };
    const events = transitionEvents({
      rule: check.rule,
      limits: check.limits,
      series,
      transition: evaluation.transition,
      position: evaluation.state,
      measurement: await this.shownMeasurement(check, series, nowMs),
      responder,
      evaluatedAtMs: nowMs,
    });
    return { state: evaluation.state, events };
  }

  /** What an event shows: a latency rule's value is the quantile from the sketch, read only now. */
  private async shownMeasurement(check: RuleCheck, series: SeriesRef, nowMs: number): Promise<Measurement> {
    if (check.rule.metric !== 'latency_quantile') return check.measurement;
    const withQuantiles = await measureRule(check, (windowMs) =>
      this.options.windows.series(series, windowMs, nowMs, { quantiles: true }),
    );
    return { ...check.measurement, value: withQuantiles.value };
  }
}
