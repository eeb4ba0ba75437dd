import { type BudgetwatchEvent, eventKey } from '@budgetwatch/events';
import type { Kafka, Producer } from 'kafkajs';

/** Where transition events go: budgetwatch.events in production. */
export interface EventPublisher {
  publish(events: readonly BudgetwatchEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * CloudEvents in structured mode on Kafka (CloudEvents Kafka binding): JSON value, content-type
 * header, keyed by server id. Idempotent producer, acks from all in-sync replicas.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  async publish(events: readonly BudgetwatchEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: events.map((event) => ({
        key: eventKey(event),
        value: JSON.stringify(event),
        headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
      })),
    });
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.producer.disconnect();
  }
}
