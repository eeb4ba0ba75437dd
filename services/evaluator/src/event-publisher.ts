import { type BudgetwatchEvent, eventKey } from '@budgetwatch/events';
import { LazyProducer } from '@budgetwatch/kafka';
import type { Kafka } from 'kafkajs';

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
  private readonly producer: LazyProducer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = new LazyProducer(kafka);
  }

  async publish(events: readonly BudgetwatchEvent[]): Promise<void> {
    if (events.length === 0) return;
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

  close(): Promise<void> {
    return this.producer.close();
  }
}
