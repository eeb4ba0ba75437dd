import type { BudgetwatchEvent } from '@budgetwatch/events';
import type { EventPublisher } from './event-publisher.js';

/** Receives every published event, in publication order, with its position on the bus. */
export type EventSubscriber = (event: BudgetwatchEvent, position: number) => Promise<void>;

/**
 * The events topic of the all-in-one mode: published events go to every subscriber (notifier,
 * history) in order. A publish resolves once each subscriber has taken the events, so an outbox is
 * cleared only after the events are safe where they are going, as with Kafka acks.
 */
export class InProcessEventBus implements EventPublisher {
  private readonly subscribers: EventSubscriber[] = [];
  private position = 0;
  private closed = false;
  private delivering: Promise<void> = Promise.resolve();

  subscribe(subscriber: EventSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /**
   * Publishes are taken one after another: with two publishers (the evaluator and the operator
   * controls), every subscriber still sees the events in position order, one at a time.
   */
  publish(events: readonly BudgetwatchEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the in-process event bus is closed'));
    const delivered = this.delivering.then(() => this.deliver(events));
    // A failed delivery fails its publisher's call, not the next publisher's.
    this.delivering = delivered.catch(() => undefined);
    return delivered;
  }

  private async deliver(events: readonly BudgetwatchEvent[]): Promise<void> {
    for (const event of events) {
      const position = this.position++;
      for (const subscriber of this.subscribers) await subscriber(event, position);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
