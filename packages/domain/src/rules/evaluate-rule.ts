import type { WindowSummary } from '../windows/window-summary.js';
import type { Rule, RuleLimits } from './rule.js';
import { type Measurement, measure } from './rule-measurement.js';

/** ok: healthy or not enough calls; firing: breached; no_data: no calls in the window. */
export type RuleStatus = 'ok' | 'firing' | 'no_data';

/** The state of one (rule, series), as the evaluator stores it between evaluations. */
export interface RuleState {
  status: RuleStatus;
  /** When the status last changed, ms. */
  since: number;
  /** Breaching but waiting for `for` to elapse since this time; null otherwise. */
  pendingSince: number | null;
  /** A breach was announced and its recovery not yet (survives a spell of no data). */
  breachOpen: boolean;
  /** Transitions so far: with the rule, the series and the epoch, it names each transition (event ids). */
  transitions: number;
  /**
   * When this state's history began, ms (0 for states stored before it was recorded). A state lost
   * with its Redis starts a new history with a new epoch, so its transitions get new event ids
   * instead of reusing those of the lost history (docs/operations.md, "Delivery guarantees").
   */
  epoch: number;
}

export type Transition = 'breached' | 'recovered';

export interface RuleEvaluation {
  state: RuleState;
  /** The event this evaluation must emit, if any. */
  transition: Transition | null;
  measurement: Measurement;
}

export const INITIAL_RULE_STATE: RuleState = {
  status: 'no_data',
  since: 0,
  pendingSince: null,
  breachOpen: false,
  transitions: 0,
  epoch: 0,
};

/** The state of a (rule, series) that has none stored yet: a new history begins now. */
export function initialRuleState(nowMs: number): RuleState {
  return { ...INITIAL_RULE_STATE, epoch: nowMs };
}

/** Every field of a rule state, so that adding one to RuleState fails to compile until it is here. */
const RULE_STATE_FIELDS: { readonly [Field in keyof RuleState]-?: Field } = {
  status: 'status',
  since: 'since',
  pendingSince: 'pendingSince',
  breachOpen: 'breachOpen',
  transitions: 'transitions',
  epoch: 'epoch',
};

/** Field by field: a decision that leaves the state as it was has nothing to write. */
export function sameRuleState(a: RuleState, b: RuleState): boolean {
  return Object.values(RULE_STATE_FIELDS).every((field) => a[field] === b[field]);
}

/** A stored state as read back: states written before epochs existed belong to epoch 0. */
export function storedRuleState(stored: Omit<RuleState, 'epoch'> & { epoch?: number }): RuleState {
  return { ...stored, epoch: stored.epoch ?? 0 };
}

/**
 * One step of the (rule, series) state machine. Pure: the same inputs always give the same state
 * and transition, which is what lets several evaluator replicas agree on a single transition.
 */
export function evaluateRule(
  rule: Rule,
  limits: RuleLimits,
  summary: WindowSummary,
  previous: RuleState,
  nowMs: number,
): RuleEvaluation {
  return advanceRuleState(measure(rule, limits, summary), limits, previous, nowMs);
}

/** The state machine itself, for any measurement (rules, and the burn-rate warning). */
export function advanceRuleState(
  measurement: Measurement,
  limits: Pick<RuleLimits, 'minCalls' | 'forMs'>,
  previous: RuleState,
  nowMs: number,
): RuleEvaluation {
  const next = (status: RuleStatus, changes: Partial<RuleState> = {}): RuleState => ({
    status,
    since: status === previous.status ? previous.since : nowMs,
    pendingSince: null,
    breachOpen: previous.breachOpen,
    transitions: previous.transitions,
    epoch: previous.epoch,
    ...changes,
  });
  const result = (state: RuleState, transition: Transition | null = null): RuleEvaluation => ({
    state: transition === null ? state : { ...state, transitions: previous.transitions + 1 },
    transition,
    measurement,
  });

  if (measurement.whole === 0) return result(next('no_data'));
  // A breach stays announced until the numbers recover; without enough calls nothing new fires.
  if (measurement.whole < limits.minCalls) return result(next(previous.breachOpen ? 'firing' : 'no_data'));

  if (previous.breachOpen) {
    if (measurement.recovered && !measurement.breaching) {
      return result(next('ok', { breachOpen: false }), 'recovered');
    }
    return result(next('firing'));
  }
  if (!measurement.breaching) return result(next('ok'));

  const pendingSince = previous.pendingSince ?? nowMs;
  if (nowMs - pendingSince < limits.forMs) return result(next('ok', { pendingSince }));
  return result(next('firing', { breachOpen: true }), 'breached');
}
