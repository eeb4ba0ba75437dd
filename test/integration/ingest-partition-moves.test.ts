import type { IngestWorker } from '@budgetwatch/ingest-worker';
import { waitFor } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics, waitForGroupCaughtUp } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { SPANS_PER_RECORD, toolCallRecord } from '../support/tool-call-records.js';
import { expectExactCounts } from '../support/window-assertions.js';

const RECORDS = 1200;
const CHUNKS = 6;
const PARTITIONS = 6;

const topics = useTopics();
const namespace = await useRedisNamespace('partition-moves');

describe('partitions moving between ingest workers mid-stream', () => {
  const workers = useIngestWorkers(namespace);
  const store = workers.store;

  it('joins and departures move partitions while records stream in: every span counted once', async () => {
    const spanTopic = await topics.create('moves-spans', { partitions: PARTITIONS });
    const deadLetterTopic = await topics.create('moves-dlq');
    const now = Date.now();
    const producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    const produceChunk = async (chunk: number) => {
      const perChunk = RECORDS / CHUNKS;
      const messages = Array.from({ length: perChunk }, (_, i) => ({
        value: toolCallRecord(chunk * perChunk + i, now),
      }));
      for (let i = 0; i < messages.length; i += 50) {
        await producer.send({ topic: spanTopic, messages: messages.slice(i, i + 50) });
      }
    };
    const everyone: IngestWorker[] = [];
    // Small batches and rare commits: every move hands over partitions whose records were counted
    // but not committed; the new owner re-reads them and only the fences stop a second count.
    // A short session keeps the members' fetch waits short, so a join or a leave moves the
    // partitions at once instead of after the others' next 5 s poll.
    const start = async () => {
      const worker = await workers.start(
        { spanTopic, deadLetterTopic },
        { commitIntervalMs: 60_000, maxBatchBytes: 64 * 1024, sessionTimeoutMs: 2000 },
      );
      everyone.push(worker);
      return worker;
    };
    const applied = () => everyone.reduce((sum, worker) => sum + worker.metrics.callsApplied, 0);
    const progressed = async (label: string) => {
      const before = applied();
      await produceChunkAndWait(label, () => applied() > before);
    };
    let chunk = 0;
    const produceChunkAndWait = async (label: string, condition: () => boolean) => {
      await produceChunk(chunk++);
      await waitFor(condition, { description: label, timeoutMs: 60_000 });
    };

    const first = await start();
    await progressed('first worker counting');
    const second = await start(); // partitions split between two members
    await progressed('two workers counting');
    await workers.stop(first); // its partitions move to the second
    await progressed('second worker alone');
    const third = await start(); // half of them move to the third
    await progressed('second and third counting');
    await workers.stop(second); // everything on the third
    await progressed('third worker alone');
    await start(); // and split again
    await produceChunk(chunk++);
    await producer.disconnect();
    expect(chunk).toBe(CHUNKS);

    const total = RECORDS * SPANS_PER_RECORD;
    await waitFor(() => applied() >= total, { description: 'every span applied', timeoutMs: 120_000 });
    for (const worker of workers.running()) await workers.stop(worker);
    expect(third.metrics.callsApplied).toBeGreaterThan(0);
    expect(applied()).toBe(total);
    const skipped = everyone.reduce((sum, worker) => sum + worker.metrics.callsAlreadyApplied, 0);
    expect(skipped).toBeGreaterThan(0);
    await expectExactCounts(store, total);
    await waitForGroupCaughtUp(topics.admin, workers.groupId, spanTopic, 30_000);
  }, 300_000);
});
