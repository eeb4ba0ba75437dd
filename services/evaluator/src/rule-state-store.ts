import type { RuleState } from '@budgetwatch/domain';
import type { BudgetwatchEvent } from '@budgetwatch/events';

/** A rule's state for one series, with the version a conditional write must name. */
export interface StoredRuleState {
  state: RuleState;
  /** 0 before the first write. */
  version: number;
}

/** Events of one or more transitions, kept with the state until they are on Kafka. */
export interface Outbox {
  seriesId: string;
  ruleId: string;
  /** Oldest queue time of its transitions, ms. */
  queuedAtMs: number;
  events: BudgetwatchEvent[];
  /** Opaque: hand back to clearOutbox. */
  token: string;
}

/**
 * Where the evaluator keeps the state of every (rule, series). A state moves only by a conditional
 * write on its version, and a transition's events are queued in the same atomic step, so replicas
 * agree on each transition and no event is lost between deciding and publishing.
 */
export interface RuleStateStore {
  read(seriesId: string, ruleIds: readonly string[]): Promise<Map<string, StoredRuleState>>;
  /** Writes `state` (and queues `events`) if the version is still `expectedVersion`. */
  write(
    seriesId: string,
    ruleId: string,
    expectedVersion: number,
    state: RuleState,
    events: readonly BudgetwatchEvent[],
    nowMs: number,
  ): Promise<{ written: boolean; version: number }>;
  /** The unpublished events of one rule of one series, if any. */
  outbox(seriesId: string, ruleId: string): Promise<Outbox | undefined>;
  /** Outboxes whose oldest transition was queued at or before `queuedBeforeMs`. */
  outboxes(queuedBeforeMs: number): Promise<Outbox[]>;
  /** Forgets the published events of `outbox`; transitions queued since stay. */
  clearOutbox(outbox: Outbox): Promise<void>;
  /**
   * A lease on publishing one outbox, so one evaluator at a time publishes it (a token), or null
   * while another holds it.
   */
  claimOutbox(seriesId: string, ruleId: string, ttlMs: number): Promise<string | null>;
  releaseOutbox(seriesId: string, ruleId: string, token: string): Promise<void>;
}
