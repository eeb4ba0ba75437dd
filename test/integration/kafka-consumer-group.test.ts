import { randomUUID } from 'node:crypto';
import { waitFor } from '@budgetwatch/testkit';
import type { Consumer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { testKafka, useTopics, waitForGroupCaughtUp } from '../support/kafka.js';

const RECORDS = 10_000;
const topics = useTopics();

describe('a consumer group of two members on a 3-partition topic', () => {
  const kafka = testKafka();
  const consumers: Consumer[] = [];
  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.disconnect()));
  });

  it('receives each of 10,000 records exactly once, spread over both members', async () => {
    const topic = await topics.create('group-once', { partitions: 3 });
    const groupId = `bwtest-group-${randomUUID()}`;
    const deliveries = new Map<string, number>();
    const perMember = [0, 0];
    const assignment: number[][] = [[], []];

    for (const member of [0, 1]) {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assignment[member] = event.payload.memberAssignment[topic] ?? [];
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const value = message.value?.toString('utf8') ?? '';
            deliveries.set(value, (deliveries.get(value) ?? 0) + 1);
            perMember[member] = (perMember[member] ?? 0) + 1;
          }
        },
      });
    }

    // Produce only once the group is stable with the partitions split between both members, so
    // the test exercises a real two-member group rather than one member racing ahead.
    await waitFor(
      () => {
        const [first = [], second = []] = assignment;
        return first.length > 0 && second.length > 0 && new Set([...first, ...second]).size === 3;
      },
      { description: 'both members to hold partitions', timeoutMs: 30_000 },
    );

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    for (let start = 0; start < RECORDS; start += 1000) {
      await producer.send({
        topic,
        messages: Array.from({ length: 1000 }, (_, i) => ({
          key: `k${start + i}`,
          value: `record-${start + i}`,
        })),
      });
    }
    await producer.disconnect();

    await waitFor(() => deliveries.size === RECORDS, {
      description: `${RECORDS} distinct records (have ${deliveries.size})`,
      timeoutMs: 60_000,
    });
    // Wait for the group's commits to reach the end of every partition, then check for duplicates.
    await waitForGroupCaughtUp(topics.admin, groupId, topic, 30_000);

    const duplicates = [...deliveries].filter(([, count]) => count !== 1);
    expect(duplicates).toEqual([]);
    expect(deliveries.size).toBe(RECORDS);
    expect(perMember[0]).toBeGreaterThan(0);
    expect(perMember[1]).toBeGreaterThan(0);
    expect((perMember[0] ?? 0) + (perMember[1] ?? 0)).toBe(RECORDS);
  });
});
