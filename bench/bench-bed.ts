import { randomUUID } from 'node:crypto';
import {
  createRedisNamespace,
  ensureRedis,
  type LocalKafka,
  type RedisNamespace,
  startLocalKafka,
} from '@budgetwatch/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { externalKafkaBrokers, kafkaCacheDir } from '../test/setup/test-bed.js';

/**
 * The real broker and Redis a bench run measures against: KAFKA_BROKERS / REDIS_URL when set,
 * otherwise a local KRaft broker started for the run. Everything it creates is removed on close.
 */
export interface BenchBed {
  kafka: Kafka;
  admin: Admin;
  brokers: string[];
  redisUrl: string;
  /** `configEntries`: topic settings, e.g. cleanup.policy=compact. */
  createTopic(
    label: string,
    partitions: number,
    configEntries?: Array<{ name: string; value: string }>,
  ): Promise<string>;
  redisNamespace(label: string): Promise<RedisNamespace>;
  close(): Promise<void>;
}

export async function openBenchBed(): Promise<BenchBed> {
  const redis = await ensureRedis(process.env.REDIS_URL);
  const external = externalKafkaBrokers();
  let broker: LocalKafka | undefined;
  if (external === undefined) {
    broker = await startLocalKafka({ cacheDir: kafkaCacheDir() });
  }
  const brokers = external ?? broker?.brokers ?? [];
  const kafka = new Kafka({ clientId: 'budgetwatch-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics: string[] = [];
  const namespaces: RedisNamespace[] = [];
  return {
    kafka,
    admin,
    brokers,
    redisUrl: redis.url,
    async createTopic(label, partitions, configEntries) {
      const topic = `bwbench.${label}.${randomUUID().slice(0, 8)}`;
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor: 1,
            ...(configEntries === undefined ? {} : { configEntries }),
          },
        ],
        waitForLeaders: true,
      });
      topics.push(topic);
      return topic;
    },
    async redisNamespace(label) {
      const namespace = await createRedisNamespace(redis.url, `bench-${label}`);
      namespaces.push(namespace);
      return namespace;
    },
    async close() {
      for (const namespace of namespaces) await namespace.cleanup();
      if (topics.length > 0) await admin.deleteTopics({ topics });
      await admin.disconnect();
      await broker?.stop();
    },
  };
}
