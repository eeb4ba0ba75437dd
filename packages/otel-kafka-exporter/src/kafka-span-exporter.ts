import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { Kafka, type KafkaConfig, Partitioners, type Producer } from 'kafkajs';
import { type ReadableSpan, traceMessages } from './trace-messages.js';

export interface KafkaSpanExporterOptions {
  /** A kafkajs client, or the settings to create one. */
  kafka: Kafka | KafkaConfig;
  /** Default `otlp_spans`, the Collector's default and Budgetwatch's. */
  topic?: string;
  /** One record per trace, keyed by trace id (default false: one unkeyed record per export). */
  partitionTracesById?: boolean;
  /** Default 1,000,000 bytes, the Collector's producer.max_message_bytes. */
  maxMessageBytes?: number;
}

/**
 * An OpenTelemetry JS SpanExporter for agents without a Collector: writes each export to Kafka as
 * the Collector's kafka exporter does with encoding otlp_proto, so Budgetwatch (or anything else
 * reading that topic) cannot tell the two apart. Use it with a BatchSpanProcessor.
 *
 * It is the SDK's SpanExporter by shape, not by an `implements` clause, so one build serves agents
 * on the 2.x and the 3.x SDK line alike (the SDK packages are peer dependencies).
 */
export class KafkaSpanExporter {
  private readonly producer: Producer;
  private readonly topic: string;
  private readonly partitionTracesById: boolean;
  private readonly maxMessageBytes: number;
  private connected: Promise<void> | undefined;
  private readonly pending = new Set<Promise<void>>();
  private isShutdown = false;

  constructor(options: KafkaSpanExporterOptions) {
    const kafka = options.kafka instanceof Kafka ? options.kafka : new Kafka(options.kafka);
    // Idempotent and ordered; the partitioner named (murmur2, as the Java client and the Collector
    // key records) so kafkajs does not warn in the agent's log at start.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.topic = options.topic ?? 'otlp_spans';
    this.partitionTracesById = options.partitionTracesById ?? false;
    this.maxMessageBytes = options.maxMessageBytes ?? 1_000_000;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.isShutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the exporter is shut down') });
      return;
    }
    const sending = this.send(spans);
    this.pending.add(sending);
    sending.then(
      () => {
        this.pending.delete(sending);
        resultCallback({ code: ExportResultCode.SUCCESS });
      },
      (error: unknown) => {
        this.pending.delete(sending);
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      },
    );
  }

  /** Resolves when every export started so far has been acknowledged (or has failed). */
  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  async shutdown(): Promise<void> {
    this.isShutdown = true;
    await this.forceFlush();
    if (this.connected !== undefined) await this.producer.disconnect();
  }

  private async send(spans: readonly ReadableSpan[]): Promise<void> {
    const messages = traceMessages(spans, {
      partitionTracesById: this.partitionTracesById,
      maxMessageBytes: this.maxMessageBytes,
    });
    if (messages.length === 0) return;
    // A failed connect is retried by the next export instead of failing every later one.
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: messages.map(({ key, value }) => ({ key, value })),
    });
  }
}
