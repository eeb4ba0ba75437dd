import type { IngestWorker } from '@budgetwatch/ingest-worker';
import { waitFor } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { useIngestWorkers } from '../support/ingest.js';
import { assignedPartitions, testKafka, useTopics, waitForGroupCaughtUp } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { SPANS_PER_RECORD, toolCallRecord } from '../support/tool-call-records.js';
import { expectExactCounts } from '../support/window-assertions.js';
import { readWindowCounts } from '../support/window-counts.js';

const topics = useTopics();
const deduped = useIngestWorkers(await useRedisNamespace('duplicate-records'));
const undeduped = useIngestWorkers(await useRedisNamespace('duplicate-records-off'));
const PARTITIONS = 3;
const RECORDS = 90;

/**
 * The stream the Collector writes when it sends batches again (a producer retry, an exporter retry
 * after a timeout, a restart replaying its queue): every record once on partition r % 3, and
 * copies, byte for byte, at other offsets: a third of them again on their own partition, every
 * record on the next partition, and a few a third time on the partition after that.
 */
function streamWithCopies(nowMs: number): { value: Buffer; partition: number }[] {
  const originals = Array.from({ length: RECORDS }, (_, r) => ({
    value: toolCallRecord(r, nowMs),
    partition: r % PARTITIONS,
  }));
  const samePartition = originals.filter((_, r) => r % 3 === 0);
  const nextPartition = originals.map((m) => ({ ...m, partition: (m.partition + 1) % PARTITIONS }));
  const third = originals
    .filter((_, r) => r % 10 === 0)
    .map((m) => ({ ...m, partition: (m.partition + 2) % PARTITIONS }));
  // Copies interleaved with originals: on some partitions a copy is read before its original.
  return [
    ...nextPartition.slice(0, 30),
    ...originals,
    ...samePartition,
    ...nextPartition.slice(30),
    ...third,
  ];
}

async function produce(topic: string, messages: { value: Buffer; partition: number }[]): Promise<void> {
  const producer = testKafka().producer();
  await producer.connect();
  for (let i = 0; i < messages.length; i += 40) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 40) });
  }
  await producer.disconnect();
}

describe('records written twice to the span topic, on the real broker and Redis', () => {
  it('a record produced again (same bytes, other offsets, other partitions, another worker) counts once', async () => {
    const spanTopic = await topics.create('duplicate-spans', { partitions: PARTITIONS });
    const deadLetterTopic = await topics.create('duplicate-dlq');
    const workers: IngestWorker[] = [];
    for (let i = 0; i < 2; i++) workers.push(await deduped.start({ spanTopic, deadLetterTopic }));
    // Both own partitions: a copy on the next partition is then, for some records, another
    // worker's to read, at the same time as the original.
    await waitFor(
      async () => {
        const owned = await Promise.all(
          // useIngestWorkers names the Kafka client of its n-th worker bwtest-worker-n.
          ['bwtest-worker-0', 'bwtest-worker-1'].map((clientId) =>
            assignedPartitions(topics.admin, deduped.groupId, spanTopic, clientId),
          ),
        );
        return owned.every((partitions) => partitions.length > 0);
      },
      { description: 'both workers assigned partitions', timeoutMs: 60_000 },
    );

    const stream = streamWithCopies(Date.now());
    await produce(spanTopic, stream);
    await waitForGroupCaughtUp(topics.admin, deduped.groupId, spanTopic, 60_000);

    await expectExactCounts(deduped.store, RECORDS * SPANS_PER_RECORD);
    const duplicates = workers.map((worker) => worker.metrics.duplicateRecords);
    expect(duplicates.reduce((sum, n) => sum + n, 0)).toBe(stream.length - RECORDS);
    // Each worker skipped copies of records counted by itself or by the other one.
    expect(
      duplicates.every((n) => n > 0),
      `duplicates per worker: ${duplicates.join(', ')}`,
    ).toBe(true);
  });

  it('the same stream with the window at 0 counts every copy: what the claims prevent', async () => {
    const spanTopic = await topics.create('duplicate-spans-off', { partitions: PARTITIONS });
    const deadLetterTopic = await topics.create('duplicate-dlq-off');
    await undeduped.start({ spanTopic, deadLetterTopic }, { dedupeWindowMs: 0 });
    const stream = streamWithCopies(Date.now());
    await produce(spanTopic, stream);
    await waitForGroupCaughtUp(topics.admin, undeduped.groupId, spanTopic, 60_000);
    expect((await readWindowCounts(undeduped.store)).rolledUp).toBe(stream.length * SPANS_PER_RECORD);
  });
});
