import { DecisionFeed, parseDecisionRecord } from '@budgetwatch/events';
import { CompactedTopicFollower } from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import type { Kafka } from 'kafkajs';
import type { DecisionSource } from './decision-routes.js';

/**
 * The API's view of the decisions in connected mode: it follows the compacted decisions topic from
 * offset 0 and keeps following it (no committed offsets), and a record's version is its offset + 1,
 * so versions are the same in every API process and across restarts. Until the topic is read to
 * the end, the feed is unavailable rather than partial.
 */
export class TopicDecisionSource implements DecisionSource {
  readonly feed: DecisionFeed;
  private readonly follower: CompactedTopicFollower;
  private caughtUp = false;
  private failure: string | null = null;

  constructor(options: { kafka: Kafka; topic: string; logger: Logger; resumableChanges?: number }) {
    this.feed = new DecisionFeed(options.resumableChanges);
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
    return this.follower.start();
  }

  unavailable(): string | null {
    if (this.failure !== null) return this.failure;
    return this.caughtUp ? null : 'the decisions topic is still being read; retry in a moment';
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }
}
