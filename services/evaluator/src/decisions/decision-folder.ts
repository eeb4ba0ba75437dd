import {
  DecisionBook,
  type DecisionSubject,
  isSettled,
  LiftExpiryTimer,
  parseBudgetwatchEvent,
  parseDecisionRecord,
  recordsToWrite,
  type SubjectDecisions,
} from '@budgetwatch/events';
import {
  consumerTiming,
  FOLLOWER_FETCH_MAX_WAIT_MS,
  LazyProducer,
  readCompactedTopic,
} from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import { observeCounts } from '@budgetwatch/telemetry';
import { type Consumer, type Kafka, Partitioners } from 'kafkajs';

export interface DecisionFolderOptions {
  kafka: Kafka;
  eventsTopic: string;
  /** The compacted topic it writes (topics.decisions). */
  decisionsTopic: string;
  groupId: string;
  logger: Logger;
  /** How long an idle fetch of events waits; short, as decisions must reach guards within a second. */
  fetchMaxWaitMs?: number;
  /** How long the group waits for a silent (crashed) folder before its partitions move. */
  sessionTimeoutMs?: number;
  /** The clock timed lifts end by (tests inject one). */
  now?: () => number;
}

export interface DecisionFolderMetrics {
  eventsFolded: number;
  /** Records of the events topic that are not Budgetwatch events (the notifier dead-letters them). */
  eventsUnreadable: number;
  recordsWritten: number;
  /** Times the book was rebuilt from the decisions topic (start, rebalance, failed write). */
  bootstraps: number;
}

/**
 * Folds the events topic into the compacted decisions topic (docs/policy-engines.md): its own
 * consumer group on the events, a DecisionBook, and for every subject a batch changed the subject's
 * record (a tombstone when nothing applies any more), written with acks from all in-sync replicas
 * before the batch's offsets are committed.
 *
 * After a start, a rebalance or a failed write, the book is rebuilt from the decisions topic
 * itself before the next batch: the topic holds what was last written for every subject, and the
 * events after the last commit are folded again on top of it. Folding is idempotent and ignores
 * older transitions, and only records that differ from the topic are written, so a crash between
 * a write and its commit writes nothing twice and never a state that did not hold.
 */
export class DecisionFolder {
  readonly metrics: DecisionFolderMetrics = {
    eventsFolded: 0,
    eventsUnreadable: 0,
    recordsWritten: 0,
    bootstraps: 0,
  };
  private book = new DecisionBook();
  /** What the decisions topic holds: key -> value (tombstoned keys absent). */
  private readonly written = new Map<string, string>();
  /** Subjects changed since their records were last written. */
  private readonly dirty = new Map<string, DecisionSubject>();
  private readonly consumer: Consumer;
  private readonly producer: LazyProducer;
  private needsBootstrap = true;
  private bootstrapping: Promise<void> | null = null;
  /** Writes one after another: a batch's and a lift expiry's. */
  private writing: Promise<void> = Promise.resolve();
  /** The events topic's partitions assigned here, and how many it has (known after a bootstrap). */
  private assigned = new Set<number>();
  private partitionCount = 0;
  private readonly partitionOf = Partitioners.DefaultPartitioner();
  private readonly now: () => number;
  private readonly expiry: LiftExpiryTimer;

  constructor(private readonly options: DecisionFolderOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      ...consumerTiming(options.sessionTimeoutMs, options.fetchMaxWaitMs ?? FOLLOWER_FETCH_MAX_WAIT_MS),
    });
    this.producer = new LazyProducer(options.kafka);
    folderInstruments(this.metrics);
    this.now = options.now ?? Date.now;
    this.expiry = new LiftExpiryTimer(
      () => this.book.nextExpiryMs(),
      (nowMs) => {
        this.publish(this.expiredHere(nowMs)).catch((error: unknown) => {
          // The write is retried with the next batch: a failed write makes it rebuild the book.
          this.options.logger.warn({ err: error }, 'writing an ended lift failed');
        });
      },
      this.now,
    );
    // Partitions may have moved here from another folder: its writes are in the topic, not in this book.
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.assigned = new Set(event.payload.memberAssignment[options.eventsTopic] ?? []);
      this.needsBootstrap = true;
      // At once, not at the next batch: a timed lift must end on time even if no event comes.
      this.bootstrapped()
        .then(() => this.expiry.schedule())
        .catch((error: unknown) => {
          this.options.logger.warn({ err: error }, 'rebuilding the decisions failed; the next batch retries');
        });
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.eventsTopic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        await this.bootstrapped();
        for (const message of batch.messages) {
          const parsed = parseBudgetwatchEvent(message.value);
          if ('reason' in parsed) {
            this.metrics.eventsUnreadable += 1;
            continue;
          }
          this.metrics.eventsFolded += 1;
          for (const changed of this.book.apply(parsed.event)) this.markDirty(changed);
        }
        // A replayed lift may have ended long ago: it never shows as in force.
        for (const changed of this.expiredHere(this.now())) this.markDirty(changed);
        await this.flush();
        this.expiry.schedule();
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        resolveOffset(batch.lastOffset());
      },
    });
    this.options.logger.info(
      {
        events: this.options.eventsTopic,
        decisions: this.options.decisionsTopic,
        group: this.options.groupId,
      },
      'folding events into the decisions topic',
    );
  }

  /** The decisions in force as this folder's book holds them. */
  current(): SubjectDecisions[] {
    return this.book.current();
  }

  /**
   * Writes subjects changed outside the events (a time-based expiry), in turn with the batches.
   * The book they come from is this folder's: see `withBook`.
   */
  async publish(changes: readonly SubjectDecisions[]): Promise<void> {
    for (const changed of changes) this.markDirty(changed);
    await this.flush();
  }

  /** Runs `use` on the current book (replaced at each bootstrap), e.g. to expire lifts. */
  withBook<T>(use: (book: DecisionBook) => T): T {
    return use(this.book);
  }

  async stop(): Promise<void> {
    this.expiry.cancel();
    await this.consumer.disconnect();
    await this.writing.catch(() => undefined);
    await this.producer.close();
  }

  /**
   * Ends the lifts due by `nowMs`, and returns the changed subjects whose events this folder folds.
   * The book holds every subject (it is rebuilt from the whole topic), but another folder owns the
   * others: their state here may be stale, so only their owner writes them.
   */
  private expiredHere(nowMs: number): SubjectDecisions[] {
    return this.book.expire(nowMs).filter((subject) => this.folds(subject.server));
  }

  /** Whether events of `server` (the events' key) land on a partition assigned here. */
  private folds(server: string): boolean {
    if (this.partitionCount === 0) return false;
    const partition = this.partitionOf({
      topic: this.options.eventsTopic,
      partitionMetadata: Array.from({ length: this.partitionCount }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 0,
        replicas: [],
        isr: [],
      })),
      message: { key: server, value: null },
    });
    return this.assigned.has(partition);
  }

  private markDirty(subject: SubjectDecisions): void {
    this.dirty.set(subject.key, { server: subject.server, tool: subject.tool });
  }

  /** Writes every dirty subject that differs from the topic; on failure the next batch rebuilds. */
  private flush(): Promise<void> {
    const run = this.writing.then(async () => {
      const subjects = [...this.dirty.values()].map((subject) => this.book.get(subject));
      const records = recordsToWrite(subjects, this.written);
      if (records.length > 0) {
        try {
          await this.producer.send({
            topic: this.options.decisionsTopic,
            acks: -1,
            messages: records.map((record) => ({ key: record.key, value: record.value })),
          });
        } catch (error) {
          // The batch is fetched again; its events change nothing in this book any more, so the
          // book is rebuilt from the topic and the events folded on top of it.
          this.needsBootstrap = true;
          throw error;
        }
        for (const record of records) {
          if (record.value === null) this.written.delete(record.key);
          else this.written.set(record.key, record.value);
        }
        this.metrics.recordsWritten += records.length;
      }
      this.dirty.clear();
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Rebuilds the book if it must, once however many callers ask at the same time. */
  private bootstrapped(): Promise<void> {
    if (!this.needsBootstrap) return Promise.resolve();
    this.bootstrapping ??= this.bootstrap().finally(() => {
      this.bootstrapping = null;
    });
    return this.bootstrapping;
  }

  /** How many partitions the events topic has: which one holds a server's events depends on it. */
  private async eventPartitions(): Promise<number> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [this.options.eventsTopic] });
      return topics[0]?.partitions.length ?? 0;
    } finally {
      await admin.disconnect();
    }
  }

  /** Rebuilds the book and the written state from the decisions topic, read to its end. */
  private async bootstrap(): Promise<void> {
    const records = await readCompactedTopic({
      kafka: this.options.kafka,
      topic: this.options.decisionsTopic,
      logger: this.options.logger,
      label: `${this.options.groupId}-bootstrap`,
    });
    const latest = new Map<string, SubjectDecisions>();
    this.written.clear();
    for (const record of records) {
      const parsed = parseDecisionRecord(record.key, record.value);
      if ('problem' in parsed) {
        this.options.logger.warn(
          { offset: record.offset, problem: parsed.problem },
          'decision record skipped',
        );
        continue;
      }
      latest.set(parsed.subject.key, parsed.subject);
      if (record.value === null) this.written.delete(parsed.subject.key);
      else this.written.set(parsed.subject.key, record.value.toString('utf8'));
    }
    this.partitionCount = await this.eventPartitions();
    const book = new DecisionBook();
    for (const subject of latest.values()) if (!isSettled(subject)) book.restore(subject);
    this.book = book;
    this.dirty.clear();
    this.needsBootstrap = false;
    this.metrics.bootstraps += 1;
    this.options.logger.info(
      { subjects: book.current().length, records: records.length },
      'decision book rebuilt',
    );
  }
}

function folderInstruments(counters: DecisionFolderMetrics): void {
  observeCounts('budgetwatch.decisions', [
    {
      name: 'budgetwatch.decisions.events_folded',
      description: 'Events folded into the decisions in force',
      read: () => counters.eventsFolded,
    },
    {
      name: 'budgetwatch.decisions.records_written',
      description: 'Records written to the decisions topic (subjects changed, tombstones included)',
      read: () => counters.recordsWritten,
    },
    {
      name: 'budgetwatch.decisions.bootstraps',
      description:
        'Times the folder rebuilt its state from the decisions topic (start, rebalance, failed write)',
      read: () => counters.bootstraps,
    },
  ]);
}
