import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { waitFor } from './wait-for.js';

export interface TestTopicOptions {
  partitions?: number;
  configEntries?: { name: string; value: string }[];
}

/** Creates a topic with a unique name (`bwtest.<label>.<random>`) and waits for its leaders. */
export async function createTestTopic(
  admin: Admin,
  label: string,
  options: TestTopicOptions = {},
): Promise<string> {
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 60);
  const topic = `bwtest.${safeLabel}.${randomUUID().slice(0, 8)}`;
  const created = await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: options.partitions ?? 1,
        replicationFactor: 1,
        ...(options.configEntries === undefined ? {} : { configEntries: options.configEntries }),
      },
    ],
    // kafkajs waits for leaders only while metadata answers LEADER_NOT_AVAILABLE; a KRaft broker
    // under load may still answer UNKNOWN_TOPIC_OR_PARTITION, which kafkajs would throw.
    waitForLeaders: false,
  });
  if (!created) throw new Error(`topic ${topic} already existed`);
  const partitions = options.partitions ?? 1;
  await waitFor(
    async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const found = metadata.topics[0]?.partitions ?? [];
      return found.length === partitions && found.every((partition) => partition.leader >= 0);
    },
    { description: `leaders for every partition of ${topic}`, timeoutMs: 30_000, intervalMs: 50 },
  );
  return topic;
}
