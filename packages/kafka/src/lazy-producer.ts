import type { Kafka, Producer, ProducerConfig, ProducerRecord, RecordMetadata } from 'kafkajs';
import { createProducer } from './create-producer.js';

/**
 * A producer that connects on its first send (a failed connect is retried by the next send), so
 * a service starts without waiting for Kafka and survives it being away at first. The settings of
 * every Budgetwatch producer (createProducer) apply unless overridden.
 */
export class LazyProducer {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(kafka: Kafka, config: ProducerConfig = {}) {
    this.producer = createProducer(kafka, config);
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    return this.producer.send(record);
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.producer.disconnect();
  }
}
