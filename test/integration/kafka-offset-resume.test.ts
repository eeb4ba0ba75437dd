import { randomUUID } from 'node:crypto';
import { waitFor } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { testKafka, useTopics } from '../support/kafka.js';

const PARTITIONS = 3;
const PER_PARTITION = 100;
const COMMIT_AT = 40;
const topics = useTopics();

describe('committed offsets survive a group restart', () => {
  it('a restarted group resumes exactly after the last committed offset of each partition', async () => {
    const kafka = testKafka();
    const topic = await topics.create('resume', { partitions: PARTITIONS });
    const groupId = `bwtest-resume-${randomUUID()}`;

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    for (let partition = 0; partition < PARTITIONS; partition++) {
      await producer.send({
        topic,
        messages: Array.from({ length: PER_PARTITION }, (_, i) => ({
          partition,
          value: `${partition}:${i}`,
        })),
      });
    }
    await producer.disconnect();

    // First life: read on, but commit only up to COMMIT_AT per partition, then stop.
    const first = kafka.consumer({ groupId, heartbeatInterval: 500 });
    const committedPartitions = new Set<number>();
    await first.connect();
    await first.subscribe({ topic, fromBeginning: true });
    await first.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (Number(message.offset) === COMMIT_AT - 1) {
          await first.commitOffsets([{ topic, partition, offset: String(COMMIT_AT) }]);
          committedPartitions.add(partition);
        }
      },
    });
    await waitFor(() => committedPartitions.size === PARTITIONS, {
      description: 'commits on every partition',
      timeoutMs: 30_000,
    });
    await first.disconnect();

    const [committed] = await topics.admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions.map((p) => Number(p.offset))).toEqual(Array(PARTITIONS).fill(COMMIT_AT));

    // Second life: same group, fresh consumer.
    const second = kafka.consumer({ groupId, heartbeatInterval: 500 });
    const seen = new Map<number, number[]>();
    await second.connect();
    await second.subscribe({ topic, fromBeginning: true });
    await second.run({
      eachMessage: async ({ partition, message }) => {
        const offsets = seen.get(partition) ?? [];
        offsets.push(Number(message.offset));
        seen.set(partition, offsets);
      },
    });
    const remaining = PER_PARTITION - COMMIT_AT;
    await waitFor(
      () => [...seen.values()].reduce((sum, list) => sum + list.length, 0) >= remaining * PARTITIONS,
      {
        description: 'the uncommitted records after restart',
        timeoutMs: 30_000,
      },
    );
    await second.disconnect();

    for (let partition = 0; partition < PARTITIONS; partition++) {
      expect(seen.get(partition)).toEqual(Array.from({ length: remaining }, (_, i) => COMMIT_AT + i));
    }
  });
});
