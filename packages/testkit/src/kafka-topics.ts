import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';

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
    waitForLeaders: true,
  });
  if (!created) throw new Error(`topic ${topic} already existed`);
  return topic;
}
