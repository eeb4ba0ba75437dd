import type { BudgetwatchEvent } from '@budgetwatch/events';
import { distinctEvents, type EventHistory, HISTORY_LENGTH } from './event-history.js';

/** The history of the all-in-one mode, in this process. */
export class InMemoryEventHistory implements EventHistory {
  /** Newest first. */
  private events: BudgetwatchEvent[] = [];

  async append(events: readonly BudgetwatchEvent[]): Promise<void> {
    this.events = [...[...events].reverse(), ...this.events].slice(0, HISTORY_LENGTH);
  }

  async recent(limit: number): Promise<BudgetwatchEvent[]> {
    return distinctEvents(this.events, limit);
  }
}
