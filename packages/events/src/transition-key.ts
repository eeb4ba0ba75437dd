import { type RuleState, type SeriesRef, seriesId } from '@budgetwatch/domain';

/** Where a transition sits in the history of its (rule, series): the state right after it. */
export type TransitionPosition = Pick<RuleState, 'epoch' | 'transitions'>;

/**
 * Names one transition of one rule on one series; event ids are this plus the event type. The
 * same transition always gets the same name, so a re-published event keeps its id, and a history
 * started again after its state was lost has a new epoch, so no name is ever reused
 * (docs/operations.md, "Delivery guarantees").
 */
export function transitionKey(ruleId: string, series: SeriesRef, position: TransitionPosition): string {
  return `${ruleId}/${seriesId(series)}/${position.epoch}/${position.transitions}`;
}
