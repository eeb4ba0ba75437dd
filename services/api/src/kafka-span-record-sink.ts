import { LazyProducer } from '@budgetwatch/kafka';
import type { Kafka } from 'kafkajs';
import type { SpanRecordSink } from './otlp-trace-intake.js';

/** Accepted OTLP requests to the span topic: unkeyed otlp_proto records, idempotent, acks from all replicas. */
export class KafkaSpanRecordSink implements SpanRecordSink {
  private readonly producer: LazyProducer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = new LazyProducer(kafka);
  }

  async send(records: readonly Uint8Array[]): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: records.map((record) => ({ value: Buffer.from(record) })),
    });
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
