import { DecisionFeed, parseDecisionRecord } from '@budgetwatch/events';
import { CompactedTopicFollower } from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import type { Kafka } from 'kafkajs';
import type { DecisionSource } from './decision-routes.js';

/** Idle fetches return every 100 ms: five seconds without one is Kafka out of reach. */
const DEFAULT_STALE_AFTER_MS = 5000;

/**
 * The API's view of the decisions in connected mode: it follows the compacted decisions topic from
 * offset 0 and keeps following it (no committed offsets), and a record's version is its offset + 1,
 * so versions are the same in every API process and across restarts. Until the topic is read to
 * the end, and while the broker does not answer, the feed is unavailable rather than partial or
 * stale: GET answers 503 and the streams send no keepalive, so clients see the feed go stale.
 */
export class TopicDecisionSource implements DecisionSource {
  readonly feed: DecisionFeed;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly follower: CompactedTopicFollower;
  private caughtUp = false;
  private failure: string | null = null;
  private startedAtMs = 0;

  constructor(options: {
    kafka: Kafka;
    topic: string;
    logger: Logger;
    resumableChanges?: number;
    /** With no fetch answered for this long, the feed is unavailable: what it holds may be stale. */
    staleAfterMs?: number;
    now?: () => number;
  }) {
    this.feed = new DecisionFeed(options.resumableChanges);
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.now = options.now ?? Date.now;
    this.follower = new CompactedTopicFollower({
      kafka: options.kafka,
      topic: options.topic,
      logger: options.logger,
      label: 'budgetwatch-api-decisions',
      onRecord: (record) => {
        const parsed = parseDecisionRecord(record.key, record.value);
        if ('problem' in parsed) {
          options.logger.warn({ offset: record.offset, problem: parsed.problem }, 'decision record skipped');
          return;
        }
        this.feed.record(Number(record.offset) + 1, parsed.subject);
      },
    });
    this.follower.caughtUp.then(
      () => {
        this.caughtUp = true;
      },
      (error: unknown) => {
        this.failure = `the decisions topic cannot be read: ${(error as Error).message}`;
      },
    );
  }

  /** Starts following; resolves once consuming began (not once caught up: see `unavailable`). */
  start(): Promise<void> {
    this.startedAtMs = this.now();
    return this.follower.start();
  }

  unavailable(): string | null {
    if (this.failure !== null) return this.failure;
    if (!this.caughtUp) return 'the decisions topic is still being read; retry in a moment';
    const silentMs = this.now() - (this.follower.lastFetchAtMs ?? this.startedAtMs);
    if (silentMs > this.staleAfterMs) {
      return `the decisions topic has not answered for ${Math.round(silentMs / 1000)} s; what this API holds may be stale`;
    }
    return null;
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }
}
