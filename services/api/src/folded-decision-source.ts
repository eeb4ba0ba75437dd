import {
  type BudgetwatchEvent,
  DecisionBook,
  DecisionFeed,
  LiftExpiryTimer,
  type SubjectDecisions,
} from '@budgetwatch/events';
import type { DecisionSource } from './decision-routes.js';

/**
 * The decisions in embedded mode: the in-process event bus hands every published event to `take`,
 * a DecisionBook folds it, and each changed subject becomes a change of the feed, numbered by a
 * counter (versions start again at a restart, as everything in memory does).
 */
export class FoldedDecisionSource implements DecisionSource {
  readonly feed: DecisionFeed;
  readonly book = new DecisionBook();
  private counter = 0;
  /** A lift for a time ends on its own: its freeze, still held by its rule, shows again. */
  private readonly expiry = new LiftExpiryTimer(
    () => this.book.nextExpiryMs(),
    (nowMs) => this.record(this.book.expire(nowMs)),
  );

  constructor(resumableChanges?: number) {
    this.feed = new DecisionFeed(resumableChanges);
  }

  /** An EventSubscriber of the in-process bus. */
  readonly take = async (event: BudgetwatchEvent): Promise<void> => {
    this.record(this.book.apply(event));
    this.expiry.schedule();
  };

  /** Stops the lift timer (the process is stopping). */
  close(): void {
    this.expiry.cancel();
  }

  /** Records subjects the book changed outside `take` (a time-based expiry). */
  record(changes: readonly SubjectDecisions[]): void {
    for (const change of changes) {
      this.counter += 1;
      this.feed.record(this.counter, change);
    }
  }

  unavailable(): string | null {
    return null;
  }
}
