import type { Kafka, Producer, ProducerConfig, ProducerRecord, RecordMetadata } from 'kafkajs';
import { createProducer } from './create-producer.js';

/**
 * A producer that connects on its first send (a failed connect is retried by the next send), so
 * a service starts without waiting for Kafka and survives it being away at first. The settings of
 * every Budgetwatch producer (createProducer) apply unless overridden.
 *
 * A send that fails replaces the producer for the next one: after a broker stops answering for
 * longer than its request timeout, a kafkajs producer can keep failing every later send with
 * "Broker not connected" although the broker is back; a new producer connects afresh.
 */
export class LazyProducer {
  private producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: ProducerConfig = {},
  ) {
    this.producer = createProducer(kafka, config);
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const producer = this.producer;
    this.connected ??= producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    try {
      await this.connected;
      return await producer.send(record);
    } catch (error) {
      this.replace(producer);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.connected !== undefined) await this.producer.disconnect();
  }

  /** A fresh producer for the next send, unless another failed send replaced this one already. */
  private replace(failed: Producer): void {
    if (this.producer !== failed) return;
    this.producer = createProducer(this.kafka, this.config);
    this.connected = undefined;
    failed.disconnect().catch(() => undefined);
  }
}
