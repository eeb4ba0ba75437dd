import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from '@budgetwatch/domain';
import { Evaluator, KafkaEventPublisher, RedisRuleStateStore } from '@budgetwatch/evaluator';
import { IngestWorker } from '@budgetwatch/ingest-worker';
import type { Logger } from '@budgetwatch/logger';
import { RedisWindowStore, WindowReader } from '@budgetwatch/window-store';
import type { BenchBed } from './bench-bed.js';

export const THRESHOLDS_MS = [3000];

/**
 * The connected detection path the latency benches time: an ingest worker on a span topic of
 * their own, the evaluator on the default policy publishing to an events topic, and a reader of
 * that topic noting when each subject's `traffic.frozen` became readable.
 */
export interface DetectionPipeline {
  spanTopic: string;
  eventsTopic: string;
  worker: IngestWorker;
  evaluator: Evaluator;
  /** Subject -> performance.now() when its traffic.frozen was read from the events topic. */
  frozenAt: ReadonlyMap<string, number>;
  /** Resolves after the next sweep has started and ended. */
  nextSweep(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startDetectionPipeline(
  bed: BenchBed,
  label: string,
  logger: Logger,
): Promise<DetectionPipeline> {
  const namespace = await bed.redisNamespace(label);
  const spanTopic = await bed.createTopic(`${label}-spans`, 3);
  const eventsTopic = await bed.createTopic(`${label}-events`, 3);
  const store = new RedisWindowStore(namespace.client, namespace.prefix, { thresholdsMs: THRESHOLDS_MS });
  const worker = new IngestWorker({
    kafka: bed.kafka,
    store,
    logger,
    spanTopics: [spanTopic],
    deadLetterTopic: await bed.createTopic(`${label}-dlq`, 1),
    groupId: `bwbench-${label}-${randomUUID()}`,
    latencyThresholdsMs: THRESHOLDS_MS,
  });
  const evaluator = new Evaluator({
    policy: DEFAULT_POLICY,
    windows: new WindowReader(store, THRESHOLDS_MS),
    store,
    states: new RedisRuleStateStore(namespace.client, namespace.prefix),
    publisher: new KafkaEventPublisher(bed.kafka, eventsTopic),
    logger,
  });
  const frozenAt = new Map<string, number>();
  const reader = bed.kafka.consumer({
    groupId: `bwbench-${label}-reader-${randomUUID()}`,
    maxWaitTimeInMs: 50,
  });
  await reader.connect();
  await reader.subscribe({ topic: eventsTopic, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString() ?? '{}') as { type: string; subject: string };
      if (event.type === 'budgetwatch.traffic.frozen' && !frozenAt.has(event.subject))
        frozenAt.set(event.subject, performance.now());
    },
  });
  await worker.start();
  evaluator.start();
  return {
    spanTopic,
    eventsTopic,
    worker,
    evaluator,
    frozenAt,
    async nextSweep(timeoutMs) {
      const sweeps = evaluator.metrics.sweeps;
      await waitUntil(() => evaluator.metrics.sweeps > sweeps, timeoutMs);
    },
    async stop() {
      await evaluator.stop();
      await worker.stop();
      await reader.disconnect();
    },
  };
}

/** Polls every 2 ms: the benches time what the condition waits for. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('bench step timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
