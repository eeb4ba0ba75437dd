import { randomUUID } from 'node:crypto';
import type { RedisNamespace } from '@budgetwatch/testkit';
import { inject } from 'vitest';
import type { useTopics } from '../kafka.js';
import { redisEnvironment } from '../redis.js';

/**
 * The environment of a `budgetwatch start` on the test run's Kafka broker and Redis: topics of its
 * own (named after `label`), the namespace's key prefix, consumer groups of its own.
 */
export async function connectedEnvironment(
  topics: ReturnType<typeof useTopics>,
  namespace: RedisNamespace,
  label: string,
): Promise<Record<string, string>> {
  const groupId = `bwtest-${label}-${randomUUID()}`;
  return {
    KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
    ...redisEnvironment(namespace.target),
    REDIS_KEY_PREFIX: namespace.prefix,
    BUDGETWATCH_SPAN_TOPICS: await topics.create(`${label}-spans`),
    BUDGETWATCH_DLQ_TOPIC: await topics.create(`${label}-dlq`),
    BUDGETWATCH_EVENTS_TOPIC: await topics.create(`${label}-events`),
    BUDGETWATCH_INGEST_GROUP_ID: groupId,
    BUDGETWATCH_NOTIFIER_GROUP_ID: `${groupId}-notifier`,
    BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
  };
}
