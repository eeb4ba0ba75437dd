import { createTestTopic, type TestTopicOptions } from '@budgetwatch/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';
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
