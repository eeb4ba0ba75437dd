import { DEFAULT_DEDUPE_WINDOW_MS, type InventoryResolver, NO_INVENTORY } from '@budgetwatch/domain';
import { yieldIfTurnIsLong } from '@budgetwatch/event-loop';
import type { DeadLetter } from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import { traced } from '@budgetwatch/telemetry';
import {
  type CoverageStore,
  FenceCache,
  type WindowStore,
  writeBatchExactlyOnce,
} from '@budgetwatch/window-store';
import type { Histogram } from '@opentelemetry/api';
import { CoverageRecorder } from './coverage-recorder.js';
import { firstCopies } from './first-copies.js';
import { countClaims, countWrittenBatch, emptyIngestMetrics, type IngestMetrics } from './ingest-metrics.js';
import { type ConsumerLag, ingestInstruments } from './ingest-telemetry.js';
import {
  DEFAULT_RECOGNITION,
  processRecords,
  type Recognition,
  type SpanRecord,
  spanPlausibility,
} from './record-processor.js';

export interface InProcessIngestOptions {
  store: WindowStore;
  logger: Logger;
  latencyThresholdsMs: readonly number[];
  /** Longer calls are invalid (implausible_latency), not measured; default 1h. */
  maxLatencyMs?: number;
  /** As the Kafka worker's: copies of a record within this long count nothing (0: off). */
  dedupeWindowMs?: number;
  /** The recognition profiles and the perspective that counts; default: the built-ins, client. */
  recognition?: Recognition;
  resolveInventory?: InventoryResolver;
  /** Queued record bytes beyond which `send` refuses (the intake answers 429/503). */
  maxQueuedBytes?: number;
  /** Most records taken into one batch. */
  maxBatchRecords?: number;
  /**
   * Record bytes beyond which a batch takes no more records (it takes one at least): a batch is
   * counted in one turn of the event loop, so it is kept small enough not to hold it.
   */
  maxBatchBytes?: number;
  /** Dead letters kept for inspection (there is no dead-letter topic in process). */
  deadLettersKept?: number;
  /** Where each batch's telemetry coverage is added; none: not kept. */
  coverage?: CoverageStore;
  now?: () => number;
}

/** The stand-in for the span topic's single partition, which the exactly-once fences are keyed by. */
const SOURCE = { topic: 'in-process', partition: 0 } as const;

export class IngestQueueFullError extends Error {
  override readonly name = 'IngestQueueFullError';
}

/**
 * The span topic and the ingest worker of the all-in-one mode in one: accepted records queue here
 * and are counted in batches by the same decoding, classification and fenced window writes as the
 * Kafka worker. The queue is bounded, so a flood is refused at the door instead of growing memory.
 */
export class InProcessIngest {
  readonly metrics: IngestMetrics = emptyIngestMetrics();
  /** The most recent dead letters, newest last. */
  readonly deadLetters: DeadLetter[] = [];
  private readonly queue: SpanRecord[] = [];
  private queuedBytes = 0;
  private nextOffset = 0;
  private readonly fences = new FenceCache();
  private draining: Promise<void> | undefined;
  private stopped = false;
  private readonly lag: ConsumerLag = new Map();
  private readonly batchDuration: Histogram;
  private readonly coverage: CoverageRecorder;

  constructor(private readonly options: InProcessIngestOptions) {
    this.coverage = new CoverageRecorder(
      options.coverage,
      options.logger,
      (options.recognition ?? DEFAULT_RECOGNITION).recognizer,
    );
    ({ batchDuration: this.batchDuration } = ingestInstruments(this.metrics, this.lag));
  }

  /** Queues records (OTLP protobuf or JSON, as on the span topic); counted shortly after. */
  async send(records: readonly Uint8Array[]): Promise<void> {
    if (this.stopped) throw new Error('ingest is stopped');
    const bytes = records.reduce((sum, record) => sum + record.byteLength, 0);
    if (this.queuedBytes + bytes > (this.options.maxQueuedBytes ?? 64 * 1024 * 1024)) {
      throw new IngestQueueFullError('the in-process span queue is full');
    }
    for (const record of records) {
      this.queue.push({ offset: String(this.nextOffset++), key: null, value: Buffer.from(record) });
    }
    this.queuedBytes += bytes;
    this.lag.set('in-process', { ...SOURCE, lag: this.queue.length });
    this.startDraining();
  }

  /**
   * One drain at a time. Records queued between the drain's last look at the queue and its end
   * would otherwise wait for the next send: the drain that ends starts the next one.
   */
  private startDraining(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.startDraining();
    });
  }

  /** Resolves once every queued record is counted. */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  /** Refuses new records and counts the queued ones. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // The windows are in memory here: without a turn between batches, a backlog would be
      // counted in one go while probes and the intake wait.
      await yieldIfTurnIsLong();
      const batch = this.queue.splice(0, this.batchLength());
      this.queuedBytes -= batch.reduce((sum, record) => sum + (record.value?.byteLength ?? 0), 0);
      this.lag.set('in-process', { ...SOURCE, lag: this.queue.length });
      try {
        await traced('ingest batch', { ...SOURCE }, () => this.count(batch), this.batchDuration);
      } catch (error) {
        this.metrics.storeFailures += 1;
        this.options.logger.error({ err: error, records: batch.length }, 'batch not counted');
      }
    }
  }

  /** How many queued records the next batch takes. */
  private batchLength(): number {
    const maxRecords = this.options.maxBatchRecords ?? 500;
    const maxBytes = this.options.maxBatchBytes ?? 256 * 1024;
    let bytes = 0;
    let length = 0;
    for (const record of this.queue) {
      if (length >= maxRecords || (length > 0 && bytes + (record.value?.byteLength ?? 0) > maxBytes)) break;
      bytes += record.value?.byteLength ?? 0;
      length += 1;
    }
    return length;
  }

  private async count(batch: SpanRecord[]): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const coverage = this.coverage.tally(now);
    const claimStarted = performance.now();
    const counted = await firstCopies(
      this.options.store,
      SOURCE,
      batch,
      this.options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS,
    );
    countClaims(this.metrics, counted.duplicates, claimStarted);
    const processed = processRecords(
      counted.records,
      {
        ...(this.options.recognition ?? DEFAULT_RECOGNITION),
        resolveInventory: this.options.resolveInventory ?? NO_INVENTORY,
        nowMs: now,
        plausibility: spanPlausibility(this.options.maxLatencyMs),
      },
      this.metrics,
      coverage,
    );
    for (const letter of processed.deadLetters) {
      this.deadLetters.push(letter);
      this.options.logger.warn(
        { offset: letter.record.offset, reason: letter.reason, detail: letter.detail },
        'record dead-lettered',
      );
    }
    this.deadLetters.splice(0, Math.max(0, this.deadLetters.length - (this.options.deadLettersKept ?? 100)));
    const lastOffset = Number(batch.at(-1)?.offset ?? -1);
    const written = await writeBatchExactlyOnce(
      this.options.store,
      SOURCE,
      processed.calls,
      lastOffset,
      now,
      this.options.latencyThresholdsMs,
      this.fences,
    );
    countWrittenBatch(this.metrics, written);
    coverage.addOverflow(written.overflowCalls);
    await this.coverage.record(coverage);
  }
}
