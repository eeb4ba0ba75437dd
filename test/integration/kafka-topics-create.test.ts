import { randomUUID } from 'node:crypto';
import { waitFor } from '@budgetwatch/testkit';
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startBudgetwatch } from '../support/budgetwatch-instance.js';
import { budgetwatch, budgetwatchInProcess } from '../support/cli.js';
import { testKafka } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('topics-create');
const suffix = randomUUID().slice(0, 8);
const TOPICS = {
  spans: `spans-${suffix}`,
  events: `events-${suffix}`,
  deadLetter: `dlq-${suffix}`,
  decisions: `decisions-${suffix}`,
};
const env = {
  KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
  REDIS_URL: inject('testBed').redisUrl,
  REDIS_KEY_PREFIX: namespace.prefix,
  BUDGETWATCH_SPAN_TOPICS: TOPICS.spans,
  BUDGETWATCH_EVENTS_TOPIC: TOPICS.events,
  BUDGETWATCH_DLQ_TOPIC: TOPICS.deadLetter,
  BUDGETWATCH_DECISIONS_TOPIC: TOPICS.decisions,
  BUDGETWATCH_DECISIONS_GROUP_ID: `bwtest-topics-decisions-${suffix}`,
  BUDGETWATCH_SPAN_TOPIC_PARTITIONS: '4',
  BUDGETWATCH_INGEST_GROUP_ID: `bwtest-topics-${suffix}`,
  BUDGETWATCH_NOTIFIER_GROUP_ID: `bwtest-topics-notifier-${suffix}`,
  BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
};

const admin = testKafka('topics-create-admin').admin();
afterAll(async () => {
  await admin.deleteTopics({ topics: Object.values(TOPICS) }).catch(() => undefined);
  await admin.disconnect();
});

/** The test broker, like production ones, does not create topics on first use. */
describe('budgetwatch topics create, against a broker that does not create topics itself', () => {
  it('start without its topics: one line naming them and the command, exit code 1', async () => {
    const result = await budgetwatch(['start'], env);
    expect(result.code).toBe(1);
    const lines = result.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`topics ${TOPICS.spans}, ${TOPICS.events}, ${TOPICS.deadLetter} not found`);
    expect(lines[0]).toContain('create them with `budgetwatch topics create`');
  });

  it('creates them with the configured partitions and retention, then start runs', async () => {
    const created = await budgetwatchInProcess(['topics', 'create'], env);
    expect(created.code, created.output).toBe(0);
    expect(created.output).toContain(
      `created ${TOPICS.spans} (spans): 4 partitions, replication 1, retention 72h`,
    );
    expect(created.output).toContain(`created ${TOPICS.events} (events): 3 partitions`);
    expect(created.output).toContain(`created ${TOPICS.deadLetter} (deadLetter): 1 partitions`);
    expect(created.output).toContain(
      `created ${TOPICS.decisions} (decisions): 1 partitions, replication 1, compacted`,
    );

    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [TOPICS.spans] });
    expect(topics[0]?.partitions).toHaveLength(4);
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPICS.spans, configNames: ['retention.ms'] }],
    });
    expect(resources[0]?.configEntries[0]?.configValue).toBe(String(72 * 3_600_000));
    const decisions = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: TOPICS.decisions, configNames: ['cleanup.policy'] },
      ],
    });
    expect(decisions.resources[0]?.configEntries[0]?.configValue).toBe('compact');
    const decisionPartitions = await admin.fetchTopicMetadata({ topics: [TOPICS.decisions] });
    expect(decisionPartitions.topics[0]?.partitions).toHaveLength(1);

    const instance = await startBudgetwatch(['start'], env);
    // The folder and the API's follower run on the new decisions topic: nothing decided yet.
    const decided = await waitFor(
      () =>
        instance
          .getJson<{ version: number; decisions: unknown[] }>('/api/v1/decisions')
          .catch(() => undefined),
      { description: 'GET /api/v1/decisions', timeoutMs: 30_000 },
    );
    expect(decided).toEqual({ version: 0, decisions: [], nextCursor: null });
    expect(await instance.stop()).toBe(0);

    const again = await budgetwatchInProcess(['topics', 'create'], env);
    expect(again.code).toBe(0);
    expect(again.output).toContain(`exists  ${TOPICS.spans} (spans): 4 partitions`);
  });
});
