import { dataNodes, type RedisClient } from '@budgetwatch/redis';
import type { Admin, Kafka } from 'kafkajs';
import type { RunningStages } from './running-stages.js';

/** Every Redis master answers a PING (one server, or each master of a cluster); otherwise why not. */
export async function redisReachable(redis: RedisClient): Promise<string | null> {
  if (redis.status !== 'ready') return `Redis connection is ${redis.status}`;
  const nodes = dataNodes(redis);
  if (nodes.length === 0) return 'no Redis master known';
  for (const node of nodes) {
    if (node.status !== 'ready')
      return `Redis at ${node.options.host}:${node.options.port} is ${node.status}`;
  }
  await Promise.all(nodes.map((node) => node.ping()));
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
