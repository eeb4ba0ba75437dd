/**
 * Follows the compacted decisions topic (docs/guard.md, "The decision feeds"): read from offset 0 to the end,
 * it holds exactly the current state; a null value (tombstone) means nothing applies any more.
 *
 * kafkajs has no manual partition assignment, so the feed joins a consumer group of its own (a
 * random id) that never commits: every start reads the topic from the beginning, and no other
 * consumer shares or moves its offsets.
 */
import { randomUUID } from 'node:crypto';
import { decisionKey, decisionSubjectOf } from '@budgetwatch/events';
import type { Consumer, Kafka } from 'kafkajs';
import { StoreFedFeed } from './decision-feed.js';
import { parseFeedJson, subjectDecisionsSchema } from './subject-decisions.js';

export const DEFAULT_DECISIONS_TOPIC = 'budgetwatch.decisions';

export interface KafkaDecisionFeedOptions {
  /** A kafkajs client for Budgetwatch's cluster (its SASL/TLS settings are the caller's). */
  kafka: Kafka;
  topic?: string;
  /** Keep only these servers' subjects (and their tools'); all when absent. */
  servers?: readonly string[];
  /** How long a fetch waits for records; an answered fetch counts as the feed being alive. */
  maxWaitTimeInMs?: number;
  /**
   * The private group's session (default 10 s): after a broker restart the feed rejoins once its
   * old member has timed out, so a short one recovers sooner; no other member shares the group.
   */
  sessionTimeoutMs?: number;
  onError?: (error: Error) => void;
  now?: () => number;
}

export class KafkaDecisionFeed extends StoreFedFeed {
  readonly #options: KafkaDecisionFeedOptions;
  readonly #topic: string;
  readonly #servers: ReadonlySet<string> | undefined;
  #consumer: Consumer | undefined;
  /** Per partition: the offset whose record completes the state read at start. */
  #endOffsets = new Map<number, bigint>();

  constructor(options: KafkaDecisionFeedOptions) {
    super(options.now ?? Date.now);
    this.#options = options;
    this.#topic = options.topic ?? DEFAULT_DECISIONS_TOPIC;
    this.#servers = options.servers === undefined ? undefined : new Set(options.servers);
  }

  /** Connects and starts reading from offset 0; the state is complete once whenSynced resolves. */
  async start(): Promise<void> {
    const admin = this.#options.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.#topic);
      for (const { partition, high, low } of offsets) {
        if (BigInt(high) > BigInt(low)) this.#endOffsets.set(partition, BigInt(high) - 1n);
      }
    } finally {
      await admin.disconnect();
    }
    const consumer = this.#options.kafka.consumer({
      groupId: `budgetwatch-guard-${randomUUID()}`,
      maxWaitTimeInMs: this.#options.maxWaitTimeInMs ?? 1_000,
      sessionTimeout: this.#options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: Math.max(100, Math.floor((this.#options.sessionTimeoutMs ?? 10_000) / 10)),
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.FETCH, () => this.store.touch());
    consumer.on(consumer.events.CRASH, (event) => this.#options.onError?.(asError(event.payload.error)));
    await consumer.connect();
    await consumer.subscribe({ topic: this.#topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        this.#apply(message.key, message.value);
        const end = this.#endOffsets.get(partition);
        if (end !== undefined && BigInt(message.offset) >= end) this.#endOffsets.delete(partition);
        if (this.#endOffsets.size === 0) this.#markSyncedOnce();
      },
    });
    if (this.#endOffsets.size === 0) this.#markSyncedOnce();
  }

  async close(): Promise<void> {
    await this.#consumer?.disconnect();
  }

  #synced = false;
  #markSyncedOnce(): void {
    if (this.#synced) return;
    this.#synced = true;
    this.store.markSynced();
  }

  #apply(rawKey: Buffer | null, value: Buffer | null): void {
    const subject = rawKey === null ? undefined : decisionSubjectOf(rawKey.toString('utf8'));
    if (subject === undefined) {
      this.#options.onError?.(new Error('a decisions record has no decision key; skipped'));
      return;
    }
    if (this.#servers !== undefined && !this.#servers.has(subject.server)) return;
    if (value === null) {
      this.store.remove(decisionKey(subject));
      return;
    }
    const decisions = parseFeedJson(subjectDecisionsSchema, value.toString('utf8'));
    if (decisions === undefined || decisions.server !== subject.server || decisions.tool !== subject.tool) {
      this.#options.onError?.(
        new Error(`the decisions record of ${decisionKey(subject)} is unreadable; skipped`),
      );
      return;
    }
    this.store.put(decisions);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
