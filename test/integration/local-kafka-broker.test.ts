import { existsSync } from 'node:fs';
import { startLocalKafka } from '@budgetwatch/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { externalKafkaBrokers, kafkaCacheDir } from '../setup/test-bed.js';

describe('the local Kafka harness', () => {
  it('uses KAFKA_BROKERS when set and starts nothing', () => {
    expect(externalKafkaBrokers({ KAFKA_BROKERS: ' b1:9092, b2:9092 ' })).toEqual(['b1:9092', 'b2:9092']);
    expect(externalKafkaBrokers({ KAFKA_BROKERS: '' })).toBeUndefined();
    expect(externalKafkaBrokers({})).toBeUndefined();
  });

  it.skipIf(externalKafkaBrokers() !== undefined)(
    'starts a second broker on its own ports, serves a topic, and stops cleanly',
    async () => {
      const broker = await startLocalKafka({ cacheDir: kafkaCacheDir(), heap: '384m' });
      try {
        expect(broker.brokers[0]).toMatch(/^127\.0\.0\.1:\d+$/);
        const kafka = new Kafka({
          clientId: 'harness-test',
          brokers: broker.brokers,
          logLevel: logLevel.NOTHING,
        });
        const admin = kafka.admin();
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: 'harness', numPartitions: 2 }], waitForLeaders: true });
        const metadata = await admin.fetchTopicMetadata({ topics: ['harness'] });
        expect(metadata.topics[0]?.partitions).toHaveLength(2);
        await admin.disconnect();
      } finally {
        await broker.stop();
      }
      expect(existsSync(broker.dataDir)).toBe(false);
      expect(() => process.kill(broker.pid, 0)).toThrow();
    },
  );
});
