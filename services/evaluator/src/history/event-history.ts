import type { BudgetwatchEvent } from '@budgetwatch/events';
import type { Logger } from '@budgetwatch/logger';
import type { EventPublisher } from '../event-publisher.js';

/**
 * The recent events, newest first, for people (the API's audit trail and the dashboard). The
 * events topic stays the record policy engines consume; this is a bounded view of it.
 */
export interface EventHistory {
  append(events: readonly BudgetwatchEvent[]): Promise<void>;
  /** Newest first, each event once. */
  recent(limit: number): Promise<BudgetwatchEvent[]>;
}

/** Events kept in the history. */
export const HISTORY_LENGTH = 1000;

/** Drops repeats (an outbox published again after a crash) and keeps the first `limit`. */
export function distinctEvents(events: readonly BudgetwatchEvent[], limit: number): BudgetwatchEvent[] {
  const seen = new Set<string>();
  const distinct: BudgetwatchEvent[] = [];
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    distinct.push(event);
    if (distinct.length === limit) break;
  }
  return distinct;
}

/**
 * Publishes, then records what was published in the history. A failed history write is logged and
 * does not fail the publish: failing it would publish the events again.
 */
export class HistoryRecordingPublisher implements EventPublisher {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly history: EventHistory,
    private readonly logger: Logger,
  ) {}

  async publish(events: readonly BudgetwatchEvent[]): Promise<void> {
    await this.publisher.publish(events);
    try {
      await this.history.append(events);
    } catch (error) {
      this.logger.warn({ err: error, events: events.length }, 'published events not added to the history');
    }
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}
