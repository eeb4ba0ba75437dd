import type { RedisClient } from '@budgetwatch/redis';
import type { Admin, Kafka } from 'kafkajs';
import type { RunningStages } from './running-stages.js';

/** Redis answers a PING; otherwise why not. */
export async function redisReachable(redis: RedisClient): Promise<string | null> {
  if (redis.status !== 'ready') return `Redis connection is ${redis.status}`;
  await redis.ping();
  return null;
}

/**
 * The Kafka cluster answers a metadata request, asked through one admin client kept for the checks
 * (no retries: a check must answer now; connected on first use, closed with the stages).
 */
export function kafkaReachable(kafka: Kafka, stages: RunningStages): () => Promise<string | null> {
  let admin: Admin | undefined;
  let connected = false;
  return async () => {
    if (admin === undefined) {
      const created = kafka.admin({ retry: { retries: 0 } });
      admin = created;
      stages.add('kafka readiness client', () => created.disconnect());
    }
    try {
      if (!connected) await admin.connect();
      connected = true;
      await admin.describeCluster();
      return null;
    } catch (error) {
      connected = false;
      return `Kafka: ${(error as Error).message}`;
    }
  };
}
