import { silenceKafkajsNegativeTimeoutWarnings } from '@budgetwatch/kafka';
import { ensureRedis, type LocalKafka, startLocalKafka } from '@budgetwatch/testkit';
import type { TestProject } from 'vitest/node';
import { externalKafkaBrokers, kafkaCacheDir } from './test-bed.js';

/**
 * Brings the real broker and Redis up once per test run (not per file) and hands their addresses
 * to the tests. The broker is stopped after the run; a shared Redis is left as it was found.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  silenceKafkajsNegativeTimeoutWarnings();
  const redis = await ensureRedis(process.env.REDIS_URL);
  const external = externalKafkaBrokers();
  let broker: LocalKafka | undefined;
  if (external === undefined) {
    broker = await startLocalKafka({ cacheDir: kafkaCacheDir() });
    console.info(
      `[test bed] Kafka ${broker.brokers.join(',')} up in ${broker.startupMs} ms` +
        `${broker.fetchedJars ? ' (jars fetched, cold cache)' : ' (warm cache)'}; Redis ${redis.url}` +
        `${redis.started ? ' (started)' : ''}`,
    );
  } else {
    console.info(`[test bed] using KAFKA_BROKERS=${external.join(',')}; Redis ${redis.url}`);
  }

  project.provide('testBed', {
    kafkaBrokers: broker?.brokers ?? external ?? [],
    redisUrl: redis.url,
    kafkaSource: broker === undefined ? 'external' : 'local',
  });

  return async () => {
    await broker?.stop();
  };
}
