import { DEFAULT_DEDUPE_WINDOW_MS, type InventoryResolver, NO_INVENTORY } from '@budgetwatch/domain';
import {
  chunkBySize,
  consumerTiming,
  deadLetterMessage,
  LazyProducer,
  TimedOffsetCommitter,
} from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import { traced } from '@budgetwatch/telemetry';
import {
  type CoverageStore,
  FenceCache,
  type WindowStore,
  writeBatchExactlyOnce,
} from '@budgetwatch/window-store';
import type { Histogram } from '@opentelemetry/api';
import type { Batch, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { CoverageRecorder } from './coverage-recorder.js';
import { firstCopies } from './first-copies.js';
import { countClaims, countWrittenBatch, emptyIngestMetrics, type IngestMetrics } from './ingest-metrics.js';
import { type ConsumerLag, ingestInstruments } from './ingest-telemetry.js';
import {
  DEFAULT_RECOGNITION,
  processRecords,
  type Recognition,
  spanPlausibility,
} from './record-processor.js';

export interface IngestWorkerOptions {
  kafka: Kafka;
  store: WindowStore;
  logger: Logger;
  spanTopics: readonly string[];
  deadLetterTopic: string;
  groupId: string;
  sessionTimeoutMs?: number;
  /**
   * How long a fetch waits for new records before it returns empty (kafkajs maxWaitTimeInMs,
   * default 5000). stop() waits for the fetch in flight.
   */
  fetchMaxWaitMs?: number;
  /** Partitions whose batches are processed at once (default 3). */
  partitionsConcurrency?: number;
  /** How often consumed offsets are committed (default 1000 ms). */
  commitIntervalMs?: number;
  /** Most record bytes fetched per partition in one batch (default 8 MiB). */
  maxBatchBytes?: number;
  /** How often the counters (records, calls, invalid spans and dead letters by reason) are logged. */
  statsIntervalMs?: number;
  latencyThresholdsMs: readonly number[];
  /** Longer calls are invalid (implausible_latency), not measured; default 1h. */
  maxLatencyMs?: number;
  /**
   * A record whose bytes another position claimed within this long counts nothing (default
   * 10 minutes; 0: off). See docs/operations.md, Delivery guarantees.
   */
  dedupeWindowMs?: number;
  /** The recognition profiles and the perspective that counts; default: the built-ins, client. */
  recognition?: Recognition;
  resolveInventory?: InventoryResolver;
  /** Where each batch's telemetry coverage is added; none: not kept. */
  coverage?: CoverageStore;
  now?: () => number;
}

const DEFAULT_MAX_BATCH_BYTES = 8 * 1024 * 1024;
const DEFAULT_PARTITIONS_CONCURRENCY = 3;
const DEAD_LETTER_SEND_BYTES = 512 * 1024;

/**
 * Consumes span topics in a consumer group and counts tool calls into the window store. Each batch
 * is decoded, pre-aggregated per series and bucket, and written in one pipelined, fenced round trip
 * before its offsets are committed; a crash anywhere replays the batch without double counting.
 */
export class IngestWorker {
  readonly metrics: IngestMetrics = emptyIngestMetrics();
  private readonly consumer: Consumer;
  /** The dead letters' producer: one whose send failed is replaced (a broker back after a stall). */
  private readonly producer: LazyProducer;
  private readonly fences = new FenceCache();
  private readonly now: () => number;
  private readonly recognition: Recognition;
  private readonly resolveInventory: InventoryResolver;
  private readonly batchBytes: number;
  private readonly concurrency: number;
  private statsTimer: NodeJS.Timeout | undefined;
  /** Commits the offsets of batches whose counts are in the store. */
  private readonly offsets: TimedOffsetCommitter;
  private readonly lag: ConsumerLag = new Map();
  private readonly batchDuration: Histogram;
  private readonly coverage: CoverageRecorder;
  /** Whether this worker is a settled member of its group (readiness). */
  private joined = false;

  constructor(private readonly options: IngestWorkerOptions) {
    this.batchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.concurrency = options.partitionsConcurrency ?? DEFAULT_PARTITIONS_CONCURRENCY;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      ...consumerTiming(options.sessionTimeoutMs, options.fetchMaxWaitMs),
      // Bigger batches mean fewer fenced writes per span: the Redis cost is per series and bucket.
      maxBytesPerPartition: this.batchBytes,
      maxBytes: this.batchBytes * this.concurrency,
    });
    this.producer = new LazyProducer(options.kafka);
    this.now = options.now ?? Date.now;
    this.recognition = options.recognition ?? DEFAULT_RECOGNITION;
    this.resolveInventory = options.resolveInventory ?? NO_INVENTORY;
    this.coverage = new CoverageRecorder(options.coverage, options.logger, this.recognition.recognizer);
    // Partitions may have moved: cached fences are only hints, but stale ones cost conflicts.
    this.offsets = new TimedOffsetCommitter(this.consumer, options.logger, () => this.fences.clear());
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      this.lag.clear();
    });
    // A member without partitions (more workers than partitions) is still ready: it stands by.
    for (const event of [
      this.consumer.events.REBALANCING,
      this.consumer.events.CRASH,
      this.consumer.events.STOP,
    ]) {
      this.consumer.on(event, () => {
        this.joined = false;
      });
    }
    ({ batchDuration: this.batchDuration } = ingestInstruments(this.metrics, this.lag));
  }

  /** Whether this worker has joined its consumer group and no rebalance is under way. */
  get hasJoinedGroup(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.options.spanTopics)
      await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      // kafkajs would otherwise commit after every batch. Commits are made on a timer instead (and
      // on shutdown), which the fences make safe: uncommitted records are only re-read.
      autoCommit: false,
      partitionsConsumedConcurrently: this.concurrency,
      eachBatch: (payload) =>
        traced(
          'ingest batch',
          { topic: payload.batch.topic, partition: payload.batch.partition },
          () => this.processBatch(payload),
          this.batchDuration,
        ),
    });
    this.options.logger.info(
      { topics: this.options.spanTopics, groupId: this.options.groupId },
      'ingest worker consuming',
    );
    this.offsets.start(this.options.commitIntervalMs ?? 1000);
    this.statsTimer = setInterval(
      () => this.options.logger.info({ metrics: this.metrics }, 'ingest counters'),
      this.options.statsIntervalMs ?? 60_000,
    );
    this.statsTimer.unref();
  }

  /** Stops fetching, lets the current batch finish and commit, and flushes the producer. */
  async stop(): Promise<void> {
    clearInterval(this.statsTimer);
    await this.offsets.stop();
    await this.consumer.disconnect();
    await this.producer.close();
  }

  private async processBatch({
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    if (batch.isEmpty() || !isRunning() || isStale()) return;
    const now = this.now();
    const source = { topic: batch.topic, partition: batch.partition };
    const claimStarted = performance.now();
    const counted = await this.storeStep(batch, () =>
      firstCopies(
        this.options.store,
        source,
        batch.messages,
        this.options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS,
      ),
    );
    countClaims(this.metrics, counted.duplicates, claimStarted);
    const processingStarted = performance.now();
    const coverage = this.coverage.tally(now);
    const processed = processRecords(
      counted.records,
      {
        ...this.recognition,
        resolveInventory: this.resolveInventory,
        nowMs: now,
        plausibility: spanPlausibility(this.options.maxLatencyMs),
      },
      this.metrics,
      coverage,
    );
    this.metrics.processingMs += performance.now() - processingStarted;

    if (processed.deadLetters.length > 0) {
      // Dead letters are written before the offsets move, so a bad record is never lost. A batch
      // can hold megabytes of them: sends stay under the broker's default request limits.
      const messages = processed.deadLetters.map((letter) =>
        deadLetterMessage(letter, batch.topic, batch.partition),
      );
      for (const chunk of chunkBySize(messages, DEAD_LETTER_SEND_BYTES)) {
        await this.producer.send({ topic: this.options.deadLetterTopic, acks: -1, messages: chunk });
      }
      for (const letter of processed.deadLetters) {
        this.options.logger.warn(
          {
            topic: batch.topic,
            partition: batch.partition,
            offset: letter.record.offset,
            reason: letter.reason,
            detail: letter.detail,
          },
          'record sent to the dead-letter topic',
        );
      }
    }

    const lastOffset = batch.lastOffset();
    const writeStarted = performance.now();
    const written = await this.storeStep(batch, () =>
      writeBatchExactlyOnce(
        this.options.store,
        source,
        processed.calls,
        Number(lastOffset),
        now,
        this.options.latencyThresholdsMs,
        this.fences,
      ),
    );
    this.metrics.storeWriteMs += performance.now() - writeStarted;
    countWrittenBatch(this.metrics, written);
    coverage.addOverflow(written.overflowCalls);
    // After the windows took the batch: a batch whose write failed comes again, and counts then.
    await this.coverage.record(coverage);

    this.lag.set(`${batch.topic}:${batch.partition}`, {
      topic: batch.topic,
      partition: batch.partition,
      lag: Number(batch.offsetLag()),
    });
    resolveOffset(lastOffset);
    const next = this.offsets.processedUpTo(batch.topic, batch.partition, lastOffset);
    await heartbeat();
    // Stopping: commit now, so a restart re-reads nothing of this batch.
    if (!isRunning()) await commitOffsetsIfNecessary({ topics: [{ topic: next.topic, partitions: [next] }] });
  }

  /**
   * A window store step of a batch (claims, then the fenced write). Should Redis be away, nothing
   * of the batch is committed, so kafkajs delivers it again after a backoff; the claims and the
   * fences make what was already done count once.
   */
  private async storeStep<T>(batch: Batch, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      this.metrics.storeFailures += 1;
      this.options.logger.warn(
        { err: error, topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset() },
        'window write failed; the batch will be retried',
      );
      throw error;
    }
  }
}
