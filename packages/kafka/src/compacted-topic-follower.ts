import { randomUUID } from 'node:crypto';
import type { Logger } from '@budgetwatch/logger';
import type { Consumer, Kafka } from 'kafkajs';
import { consumerTiming } from './consumer-timing.js';

/** One record of a compacted topic, as a follower hands it over (value null: a tombstone). */
export interface CompactedRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export interface CompactedTopicFollowerOptions {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Names the follower's throwaway group (`<label>-<random>`), so a broker's group list says whose it is. */
  label: string;
  /** Called with every record, in offset order per partition; the next waits for it to resolve. */
  onRecord(record: CompactedRecord): void | Promise<void>;
  /**
   * How long an idle fetch waits for new records: the most a new record waits before it is read.
   * Short, since a decision must reach enforcement within a second (docs/policy-engines.md).
   */
  fetchMaxWaitMs?: number;
}

/** How long a follower's idle fetch waits by default. */
export const FOLLOWER_FETCH_MAX_WAIT_MS = 100;

/**
 * Reads a compacted topic from its first offset and keeps following it, as every reader of the
 * decisions topic does. kafkajs consumes only in a group, so each follower has a group of its own
 * that commits nothing: it starts from the beginning every time, and the broker forgets the group
 * once it is left. `caughtUp` resolves once every record that existed at start was handed over.
 */
export class CompactedTopicFollower {
  readonly caughtUp: Promise<void>;
  private readonly consumer: Consumer;
  private markCaughtUp: () => void = () => undefined;
  private failCatchUp: (error: Error) => void = () => undefined;
  private stopped = false;
  private lastFetch: number | null = null;

  constructor(private readonly options: CompactedTopicFollowerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: `${options.label}-${randomUUID()}`,
      ...consumerTiming(undefined, options.fetchMaxWaitMs ?? FOLLOWER_FETCH_MAX_WAIT_MS),
    });
    this.caughtUp = new Promise<void>((resolve, reject) => {
      this.markCaughtUp = resolve;
      this.failCatchUp = reject;
    });
    // A rejection nobody waits for yet must not end the process.
    this.caughtUp.catch(() => undefined);
    // Every fetch that the broker answered, records or not: the follower is in touch.
    this.consumer.on(this.consumer.events.FETCH, () => {
      this.lastFetch = Date.now();
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.failCatchUp(event.payload.error);
    });
  }

  /**
   * When the broker last answered a fetch (epoch ms; null: not yet). An idle follower fetches
   * every `fetchMaxWaitMs`, so a time much older than that means the topic is out of reach and
   * what was read may be stale.
   */
  get lastFetchAtMs(): number | null {
    return this.lastFetch;
  }

  async start(): Promise<void> {
    const { kafka, topic, logger } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    let ends: Map<number, bigint>;
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends = new Map(
        offsets
          .filter((partition) => BigInt(partition.high) > BigInt(partition.low))
          .map((partition) => [partition.partition, BigInt(partition.high)]),
      );
    } finally {
      await admin.disconnect();
    }
    const remaining = new Set(ends.keys());
    if (remaining.size === 0) this.markCaughtUp();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if (!isRunning() || isStale() || this.stopped) return;
          await this.options.onRecord({
            partition: batch.partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
          });
          const end = ends.get(batch.partition);
          if (end !== undefined && BigInt(message.offset) + 1n >= end && remaining.delete(batch.partition)) {
            if (remaining.size === 0) {
              logger.debug({ topic }, 'compacted topic read to the end');
              this.markCaughtUp();
            }
          }
        }
      },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.failCatchUp(new Error(`stopped before ${this.options.topic} was read to the end`));
    await this.consumer.disconnect();
  }
}

/** Every record of a compacted topic up to its end at the time of the call, in offset order. */
export async function readCompactedTopic(
  options: Omit<CompactedTopicFollowerOptions, 'onRecord'>,
): Promise<CompactedRecord[]> {
  const records: CompactedRecord[] = [];
  const follower = new CompactedTopicFollower({
    ...options,
    onRecord: (record) => void records.push(record),
  });
  try {
    await follower.start();
    await follower.caughtUp;
  } finally {
    await follower.stop();
  }
  // Records past the end at the time of the call may have arrived too; they are as true as the rest.
  return records;
}
