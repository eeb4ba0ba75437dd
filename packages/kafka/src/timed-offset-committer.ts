import type { Logger } from '@budgetwatch/logger';
import type { Consumer } from 'kafkajs';

interface NextOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Commits a consumer's processed offsets on a timer (and on demand) instead of after every batch,
 * as kafkajs would. Only partitions this member holds since its last group join are committed; a
 * commit lost to a rebalance only means the partition's next owner re-reads those records, which
 * every Budgetwatch consumer makes harmless (fences, notification log).
 */
export class TimedOffsetCommitter {
  /** Per partition, the offset after the last processed record. */
  private readonly processed = new Map<string, NextOffset>();
  private readonly committed = new Map<string, string>();
  private assigned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly logger: Logger,
    private readonly onGroupJoin: () => void = () => undefined,
  ) {
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.processed.clear();
      this.committed.clear();
      this.assigned = new Set(
        Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((partition) => partitionKey(topic, partition)),
        ),
      );
      this.onGroupJoin();
    });
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.commit(), intervalMs);
    this.timer.unref();
  }

  /** Records that every record of the partition up to `offset` is processed. */
  processedUpTo(topic: string, partition: number, offset: string): NextOffset {
    const next = { topic, partition, offset: (BigInt(offset) + 1n).toString() };
    this.processed.set(partitionKey(topic, partition), next);
    return next;
  }

  /** Commits what was processed since the last commit, for the partitions this member holds. */
  async commit(): Promise<void> {
    const offsets = [...this.processed].filter(
      ([key, next]) => this.assigned.has(key) && this.committed.get(key) !== next.offset,
    );
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(offsets.map(([, next]) => next));
      for (const [key, next] of offsets) this.committed.set(key, next.offset);
    } catch (error) {
      this.logger.warn({ err: error }, 'offsets not committed; their records will be re-read');
    }
  }

  /** Stops the timer and commits once more. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.commit();
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
