import { createTestTopic, type TestTopicOptions, waitFor } from '@budgetwatch/testkit';
import { type Admin, AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { afterAll, inject } from 'vitest';

/** A kafkajs client on the run's broker, quiet unless something is wrong. */
export function testKafka(clientId = 'budgetwatch-test'): Kafka {
  return new Kafka({ clientId, brokers: inject('testBed').kafkaBrokers, logLevel: logLevel.NOTHING });
}

/**
 * An admin client for the current test file that creates uniquely named topics and deletes them
 * (and disconnects) after the file's tests.
 */
export function useTopics(): {
  create(label: string, options?: TestTopicOptions): Promise<string>;
  admin: Admin;
} {
  const admin = testKafka('budgetwatch-test-admin').admin();
  const created: string[] = [];
  let connected: Promise<void> | undefined;
  afterAll(async () => {
    if (connected === undefined) return;
    if (created.length > 0) await admin.deleteTopics({ topics: created });
    await admin.disconnect();
  });
  return {
    admin,
    async create(label, options) {
      connected ??= admin.connect();
      await connected;
      const topic = await createTestTopic(admin, label, options);
      created.push(topic);
      return topic;
    },
  };
}

/** Waits until `groupId` has committed the current end offset of every partition of `topic`. */
export async function waitForGroupCaughtUp(
  admin: Admin,
  groupId: string,
  topic: string,
  timeoutMs: number,
): Promise<void> {
  const endOffsets = await admin.fetchTopicOffsets(topic);
  await waitFor(
    async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return endOffsets.every(
        (end) => committed?.partitions.find((p) => p.partition === end.partition)?.offset === end.high,
      );
    },
    { description: `group ${groupId} to commit the end of every partition of ${topic}`, timeoutMs },
  );
}

/** The partitions of `topic` that `groupId` has assigned to its member started with `clientId`. */
export async function assignedPartitions(
  admin: Admin,
  groupId: string,
  topic: string,
  clientId: string,
): Promise<number[]> {
  const { groups } = await admin.describeGroups([groupId]);
  const member = groups[0]?.members.find((m) => m.clientId === clientId);
  if (member === undefined || member.memberAssignment.length === 0) return [];
  const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
  return decoded?.assignment[topic] ?? [];
}
