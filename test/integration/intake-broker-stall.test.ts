import { createHash, randomUUID } from 'node:crypto';
import type { WindowSummary } from '@budgetwatch/domain';
import { type LocalKafka, startLocalKafka, toolCallsRecord, waitFor } from '@budgetwatch/testkit';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { externalKafkaBrokers, kafkaCacheDir } from '../setup/test-bed.js';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { waitForGroupCaughtUp } from '../support/kafka.js';
import { jsonExport, jsonToolSpan } from '../support/poison-spans.js';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('intake-stall');
const STALL_MS = 30_000;
const ANSWER_BOUND_MS = 7000;
const SPAN_TOPIC = 'stall-spans';
const PARTITIONS = 3;
const GROUP_ID = `bwtest-stall-${randomUUID()}`;
const COLLECTOR_SPANS = 10;

const contentOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every record of `topic`, read from the start: its partition and a hash of its bytes. */
async function recordsOf(brokers: string[], admin: Admin, topic: string) {
  const ends = await admin.fetchTopicOffsets(topic);
  const total = ends.reduce((sum, end) => sum + Number(end.high), 0);
  const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: `bwtest-stall-reader-${randomUUID()}`,
  });
  const records: { partition: number; content: string }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({ partition, content: contentOf(message.value ?? Buffer.alloc(0)) });
      },
    });
    await waitFor(() => records.length >= total, {
      description: `the ${total} records of ${topic}`,
      timeoutMs: 30_000,
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/**
 * The broker stops answering (SIGSTOP) while agents export, through the intake and through a
 * Collector: before, the intake never answered, the exporter's retry after its own timeout counted
 * every span again, and a record the Collector wrote twice counted twice. Runs its own broker,
 * since it pauses it.
 */
describe.skipIf(externalKafkaBrokers() !== undefined)('the intake while the broker is stalled', () => {
  let broker: LocalKafka;
  let instance: BudgetwatchInstance;

  beforeAll(async () => {
    broker = await startLocalKafka({ cacheDir: kafkaCacheDir(), heap: '384m' });
    const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: SPAN_TOPIC, numPartitions: PARTITIONS },
        { topic: 'stall-events' },
        { topic: 'stall-dlq' },
      ],
    });
    await admin.disconnect();
    instance = await startBudgetwatch(['start'], {
      KAFKA_BROKERS: broker.brokers.join(','),
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_SPAN_TOPICS: SPAN_TOPIC,
      BUDGETWATCH_EVENTS_TOPIC: 'stall-events',
      BUDGETWATCH_DLQ_TOPIC: 'stall-dlq',
      BUDGETWATCH_INGEST_GROUP_ID: GROUP_ID,
      BUDGETWATCH_NOTIFIER_GROUP_ID: `bwtest-stall-notifier-${randomUUID()}`,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
    });
  }, 120_000);

  afterAll(async () => {
    if (broker !== undefined) process.kill(broker.pid, 'SIGCONT');
    await instance?.stop();
    await broker?.stop();
  }, 120_000);

  it(`answers 503 within ${ANSWER_BOUND_MS / 1000} s; the exporter's retries and the Collector's rewritten records count once`, async () => {
    const body = jsonExport(Array.from({ length: 20 }, (_, i) => jsonToolSpan('stalled-mcp', 1000 + i)));
    const post = async () => {
      const started = Date.now();
      const response = await fetch(instance.intakeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        ms: Date.now() - started,
      };
    };
    // A Collector's kafka exporter writes to the same topic: a batch before the stall...
    const collector = new Kafka({
      brokers: broker.brokers,
      logLevel: logLevel.NOTHING,
      requestTimeout: 5000,
      retry: { retries: 0 },
    }).producer();
    await collector.connect();
    const before = toolCallsRecord('collector-mcp', 'lookup', COLLECTOR_SPANS);
    const during = toolCallsRecord('collector-mcp', 'lookup', COLLECTOR_SPANS);
    await collector.send({ topic: SPAN_TOPIC, acks: -1, messages: [{ value: before, partition: 0 }] });

    process.kill(broker.pid, 'SIGSTOP');
    const stalledAt = Date.now();
    // ...and one during it, which gets no answer in time: whether the broker appends it once it
    // resumes, the Collector cannot know, so it sends the batch again (below).
    const unanswered = collector
      .send({ topic: SPAN_TOPIC, acks: -1, messages: [{ value: during, partition: 1 }] })
      .then(
        () => 'acknowledged',
        (error: unknown) => `failed: ${String(error)}`,
      );
    const answers: Awaited<ReturnType<typeof post>>[] = [];
    // What an exporter does: send, and on a 503 try the same export again.
    while (Date.now() - stalledAt < STALL_MS) answers.push(await post());
    process.kill(broker.pid, 'SIGCONT');
    const final = await waitFor(
      async () => {
        const answer = await post();
        answers.push(answer);
        return answer.status === 200 ? answer : undefined;
      },
      { description: 'an answer 200 once the broker is back', timeoutMs: 90_000, intervalMs: 1000 },
    ).catch((error: unknown) => {
      throw new Error(
        `${String(error)}; answers ${JSON.stringify(answers.slice(-5))}; output: ${instance.output().slice(-3000)}`,
      );
    });
    console.info(`[stall] the Collector's send during the stall: ${await unanswered}`);
    await collector.disconnect();
    // The Collector's retry of that batch, and its queue replayed after a restart (the first batch
    // again), on another partition: its partitioner may pick any.
    const resend = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).producer();
    await resend.connect();
    await resend.send({
      topic: SPAN_TOPIC,
      acks: -1,
      messages: [
        { value: during, partition: 2 },
        { value: before, partition: 2 },
      ],
    });
    await resend.disconnect();

    const stalled = answers.slice(0, -1);
    expect(stalled.length).toBeGreaterThanOrEqual(3);
    for (const answer of stalled) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
    }
    expect(final.status).toBe(200);

    // Everything on the topic read and counted: then each span must be in the windows once.
    const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await waitForGroupCaughtUp(admin, GROUP_ID, SPAN_TOPIC, 60_000);
      const records = await recordsOf(broker.brokers, admin, SPAN_TOPIC);
      const copiesOf = (bytes: Buffer) => records.filter((record) => record.content === contentOf(bytes));
      expect(new Set(copiesOf(before).map((copy) => copy.partition))).toEqual(new Set([0, 2]));
      // Twice when the broker appended the unanswered send once it resumed.
      expect(copiesOf(during).length).toBeGreaterThanOrEqual(1);
      const distinct = new Set(records.map((record) => record.content)).size;
      console.info(
        `[stall] span topic: ${records.length} records, ${distinct} distinct; the Collector's batch sent during the stall: ${copiesOf(during).length} copies`,
      );

      const calls = async (server: string, tool: string) =>
        (
          await instance.getJson<{ window: WindowSummary }>(
            `/api/v1/windows?server=${server}&tool=${tool}&window=2h`,
          )
        ).window.calls;
      expect(await calls('stalled-mcp', 'refund')).toBe(20);
      expect(await calls('collector-mcp', 'lookup')).toBe(2 * COLLECTOR_SPANS);
      // Every copy was skipped; one read again after the broker's return (its group rebalanced
      // before the commit) is skipped, and counted, again.
      expect(await duplicateRecords()).toBeGreaterThanOrEqual(records.length - distinct);
    } finally {
      await admin.disconnect();
    }
  }, 240_000);

  async function duplicateRecords(): Promise<number> {
    const families = parsePrometheusTextFormat(await (await fetch(`${instance.apiUrl}/metrics`)).text());
    const family = families.find(
      (candidate) => candidate.name === 'budgetwatch_ingest_duplicate_records_total',
    );
    return (family?.metrics ?? []).reduce((sum, sample) => sum + Number(sample.value), 0);
  }
});
