import { randomUUID } from 'node:crypto';
import { IngestWorker, type IngestWorkerOptions } from '@budgetwatch/ingest-worker';
import { createLogger } from '@budgetwatch/logger';
import type { RedisNamespace } from '@budgetwatch/testkit';
import { RedisWindowStore } from '@budgetwatch/window-store';
import { afterAll } from 'vitest';
import { testKafka } from './kafka.js';

export const TEST_THRESHOLDS_MS = [3000];

/**
 * Starts in-process ingest workers of one consumer group on the run's broker; whatever is still
 * running after the file's tests is stopped.
 */
export function useIngestWorkers(namespace: RedisNamespace): {
  groupId: string;
  /** The window store the workers write to, under the namespace's prefix. */
  store: RedisWindowStore;
  start(
    topics: { spanTopic: string; deadLetterTopic: string },
    overrides?: Partial<IngestWorkerOptions>,
  ): Promise<IngestWorker>;
  stop(worker: IngestWorker): Promise<void>;
  running(): readonly IngestWorker[];
} {
  const groupId = `bwtest-ingest-${randomUUID()}`;
  const running = new Set<IngestWorker>();
  const store = new RedisWindowStore(namespace.client, namespace.prefix, {
    thresholdsMs: TEST_THRESHOLDS_MS,
  });
  afterAll(async () => {
    for (const worker of running) await worker.stop();
  });
  return {
    groupId,
    store,
    async start(topics, overrides = {}) {
      const worker = new IngestWorker({
        kafka: testKafka(`bwtest-worker-${running.size}`),
        store,
        logger: createLogger({ name: 'test-ingest', level: 'silent' }),
        spanTopics: [topics.spanTopic],
        deadLetterTopic: topics.deadLetterTopic,
        groupId,
        sessionTimeoutMs: 6000,
        latencyThresholdsMs: TEST_THRESHOLDS_MS,
        ...overrides,
      });
      await worker.start();
      running.add(worker);
      return worker;
    },
    async stop(worker) {
      running.delete(worker);
      await worker.stop();
    },
    running: () => [...running],
  };
}
