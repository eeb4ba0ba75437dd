import type { Logger } from '@budgetwatch/logger';
import type { EvaluatorMetrics } from './evaluator-metrics.js';
import type { EventPublisher } from './event-publisher.js';
import type { RuleStateStore } from './rule-state-store.js';

/** How long one evaluator may hold an outbox's publish (a send with kafkajs retries fits). */
const PUBLISH_LEASE_MS = 60_000;

/**
 * Publishes the outboxes of decided transitions to the events topic and clears them: at least
 * once, never two publishers of one outbox at a time (docs/operations.md, "Delivery guarantees").
 */
export class OutboxPublisher {
  /** Outboxes this process is publishing now. */
  private readonly publishing = new Set<string>();

  constructor(
    private readonly states: RuleStateStore,
    private readonly publisher: EventPublisher,
    private readonly metrics: EvaluatorMetrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Publishes one outbox and clears it. One publish per outbox at a time, in this process and
   * across replicas (a lease in Redis), and the outbox is read after the lease is taken: a copy read
   * earlier may already have been published, and publishing it again would duplicate its events.
   */
  async publish(seriesId: string, ruleId: string): Promise<void> {
    const key = `${seriesId}\u0000${ruleId}`;
    if (this.publishing.has(key)) return;
    this.publishing.add(key);
    let lease: string | null = null;
    try {
      lease = await this.states.claimOutbox(seriesId, ruleId, PUBLISH_LEASE_MS);
      if (lease === null) return;
      const outbox = await this.states.outbox(seriesId, ruleId);
      if (outbox === undefined) return;
      try {
        await this.publisher.publish(outbox.events);
      } catch (error) {
        // Kept in Redis: publishLeftBehind publishes it once Kafka is back.
        this.metrics.publishFailures += 1;
        this.logger.warn(
          { err: error, series: outbox.seriesId, rule: outbox.ruleId, events: outbox.events.length },
          'events not published yet; will retry',
        );
        return;
      }
      this.metrics.eventsPublished += outbox.events.length;
      try {
        await this.states.clearOutbox(outbox);
      } catch (error) {
        // The outbox stays, so the retry publishes these events again, with the same ids and
        // content: the at-least-once case of docs/operations.md, "Delivery guarantees".
        this.logger.warn(
          { err: error, series: outbox.seriesId, rule: outbox.ruleId, events: outbox.events.length },
          'events published but not marked as published; they will be published again',
        );
      }
    } finally {
      if (lease !== null) await this.states.releaseOutbox(seriesId, ruleId, lease);
      this.publishing.delete(key);
    }
  }

  /**
   * Publishes the outboxes queued at or before `queuedBeforeMs` that are still there: those of a
   * crashed evaluator, or of a publish Kafka refused.
   */
  async publishLeftBehind(queuedBeforeMs: number): Promise<void> {
    for (const outbox of await this.states.outboxes(queuedBeforeMs)) {
      await this.publish(outbox.seriesId, outbox.ruleId);
    }
  }
}
