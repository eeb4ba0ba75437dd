import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from '@budgetwatch/domain';
import { Evaluator, KafkaEventPublisher, RedisRuleStateStore } from '@budgetwatch/evaluator';
import { IngestWorker } from '@budgetwatch/ingest-worker';
import { createLogger } from '@budgetwatch/logger';
import {
  createEventValidator,
  type LocalKafka,
  otlpProtobuf,
  type PrivateRedis,
  recordToolCallSpans,
  startLocalKafka,
  startPrivateRedis,
  waitFor,
} from '@budgetwatch/testkit';
import { RedisWindowStore, WindowReader } from '@budgetwatch/window-store';
import { Redis } from 'ioredis';
import { type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalKafkaBrokers, kafkaCacheDir } from '../setup/test-bed.js';
import { TEST_THRESHOLDS_MS } from '../support/ingest.js';
import { SPANS_PER_RECORD, toolCallRecord } from '../support/tool-call-records.js';
import { expectExactCounts } from '../support/window-assertions.js';
import { readWindowCounts } from '../support/window-counts.js';

const logger = createLogger({ name: 'test-faults', level: 'silent' });
const validator = createEventValidator();

interface ReceivedEvent {
  id: string;
  type: string;
  subject: string;
}

/** One record of the events topic as the test's reader saw it. */
interface Publication extends ReceivedEvent {
  /** Where it sits in the topic: the reader itself may see a record twice (it is at-least-once). */
  position: string;
  /** The record's value as published, to compare re-publications byte for byte. */
  value: string;
}

/** How long the broker stays down: longer than kafkajs's own retries (~10 s), so clients recover. */
const BROKER_OUTAGE_MS = 12_000;

/**
 * The pipeline keeps counting and alerting through the faults it sits in: the broker stopped
 * mid-stream, and Redis (with AOF) restarted mid-stream. Each ends with exact counts and with the
 * delivery guarantee of docs/operations.md ("Delivery guarantees"): every transition published,
 * and an event published again after a fault only with the same id and the same content. Runs its
 * own broker and Redis, since it stops them.
 */
describe.skipIf(externalKafkaBrokers() !== undefined)('faults: broker stopped, Redis restarted', () => {
  let broker: LocalKafka;
  let redis: PrivateRedis;
  let client: Redis;
  let kafka: Kafka;
  let producer: Producer;
  let worker: IngestWorker;
  let evaluator: Evaluator;
  let reader: Consumer;
  let store: RedisWindowStore;
  const received = new Map<string, Publication>();
  let records = 0;

  beforeAll(async () => {
    broker = await startLocalKafka({ cacheDir: kafkaCacheDir(), heap: '384m' });
    redis = await startPrivateRedis({ appendOnly: true });
    kafka = new Kafka({ clientId: 'faults-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'spans', numPartitions: 3 }, { topic: 'dlq' }, { topic: 'events', numPartitions: 2 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
    client.on('error', () => undefined);
    store = new RedisWindowStore(client, 'faults:', { thresholdsMs: TEST_THRESHOLDS_MS });
    worker = new IngestWorker({
      kafka,
      store,
      logger,
      spanTopics: ['spans'],
      deadLetterTopic: 'dlq',
      groupId: `bwtest-faults-${randomUUID()}`,
      sessionTimeoutMs: 10_000,
      commitIntervalMs: 200,
      latencyThresholdsMs: TEST_THRESHOLDS_MS,
    });
    await worker.start();
    evaluator = new Evaluator({
      policy: DEFAULT_POLICY,
      windows: new WindowReader(store, TEST_THRESHOLDS_MS),
      store,
      states: new RedisRuleStateStore(client, 'faults:'),
      publisher: new KafkaEventPublisher(kafka, 'events'),
      logger,
      sweepIntervalMs: 1000,
      dirtyPollMs: 100,
      outboxRetryMs: 500,
      outboxGraceMs: 1000,
    });
    evaluator.start();
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
    // A short session: after the broker's restart the reader rejoins as soon as its old member
    // times out, not 30 s later.
    reader = kafka.consumer({
      groupId: `bwtest-faults-reader-${randomUUID()}`,
      sessionTimeout: 6000,
      heartbeatInterval: 500,
    });
    await reader.connect();
    await reader.subscribe({ topic: 'events', fromBeginning: true });
    await reader.run({
      eachMessage: async ({ partition, message }) => {
        const value = message.value?.toString() ?? '{}';
        const event = JSON.parse(value) as ReceivedEvent;
        expect(validator.errors(event)).toEqual([]);
        const position = `${partition}:${message.offset}`;
        received.set(position, { id: event.id, type: event.type, subject: event.subject, position, value });
      },
    });
  }, 120_000);

  afterAll(async () => {
    await evaluator?.stop();
    await worker?.stop();
    await reader?.disconnect();
    await producer?.disconnect();
    client?.disconnect();
    await redis?.stop();
    await broker?.stop();
  }, 120_000);

  /** Records of the shared tool-call mix (a few errors per tool, never a breach), acknowledged. */
  const stream = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await producer.send({
        topic: 'spans',
        acks: -1,
        messages: [{ value: toolCallRecord(records, Date.now()) }],
      });
      records += 1;
    }
  };
  /** A burst of failures for one tool: its success-rate rule breaches. */
  const failures = (server: string) =>
    producer.send({
      topic: 'spans',
      acks: -1,
      messages: [
        {
          value: Buffer.from(
            otlpProtobuf(
              recordToolCallSpans(
                Array.from({ length: 100 }, (_, i) => ({
                  tool: 'flaky',
                  server,
                  endTimeMs: Date.now() - 1000 - i,
                  durationMs: 20,
                  error: true,
                })),
              ),
            ),
          ),
        },
      ],
    });
  /**
   * What Redis holds of the stream and of a fault server's failures. The worker's own counters are
   * no measure here: a write whose reply a stopping Redis never sent is applied, yet counted as
   * failed, and its retry finds it already applied.
   */
  const countedInRedis = async (faultServer?: string) =>
    (await readWindowCounts(store)).rolledUp +
    (faultServer === undefined
      ? 0
      : (await store.readWindow({ server: faultServer, tool: null, drill: false }, 2 * 3_600_000, Date.now()))
          .calls);
  const publications = () => [...received.values()];
  const breachesOf = (subject: string) =>
    publications().filter(
      (event) => event.subject === subject && event.type === 'budgetwatch.budget.breached',
    );
  /** Each id published with one content only: a re-publication after a fault is the same event. */
  const expectRepublicationsIdentical = () => {
    const firstValue = new Map<string, string>();
    for (const publication of publications()) {
      const first = firstValue.get(publication.id) ?? publication.value;
      firstValue.set(publication.id, first);
      expect(publication.value, `event ${publication.id} published again with other content`).toBe(first);
    }
  };
  /** The fault server's tool and rollup each breached, as budget.breached plus traffic.frozen. */
  const expectBreachPublished = (server: string) => {
    for (const subject of [server, `${server}/flaky`]) {
      const types = new Set(
        publications()
          .filter((event) => event.subject === subject)
          .map((event) => event.type),
      );
      expect([...types].sort(), subject).toEqual([
        'budgetwatch.budget.breached',
        'budgetwatch.traffic.frozen',
      ]);
      expect(new Set(breachesOf(subject).map((event) => event.id)).size, subject).toBe(1);
    }
  };

  it('the broker stopped mid-stream: exact counts, every breach published, re-publications identical', async () => {
    await stream(20);
    await waitFor(async () => (await countedInRedis()) === 20 * SPANS_PER_RECORD, {
      description: 'the first records counted',
      timeoutMs: 30_000,
    });
    await broker.halt();
    const haltedAt = Date.now();
    await waitFor(() => Date.now() - haltedAt >= BROKER_OUTAGE_MS, {
      description: 'the broker outage',
      timeoutMs: BROKER_OUTAGE_MS + 5000,
    });
    await broker.restart();
    await stream(20);
    await failures('broker-fault');
    await waitFor(async () => (await countedInRedis('broker-fault')) === 40 * SPANS_PER_RECORD + 100, {
      description: 'every record counted after the outage',
      timeoutMs: 120_000,
    });
    await expectExactCounts(store, 40 * SPANS_PER_RECORD);
    await waitFor(
      () => breachesOf('broker-fault/flaky').length >= 1 && breachesOf('broker-fault').length >= 1,
      {
        description: 'the breach events',
        timeoutMs: 60_000,
      },
    );
    expectBreachPublished('broker-fault');
    expectRepublicationsIdentical();
  }, 240_000);

  it('Redis (AOF) restarted mid-stream: exact counts, every breach published, re-publications identical', async () => {
    await stream(10);
    await redis.halt();
    // Records keep arriving while Redis is away; the worker's writes fail and are retried.
    await stream(10);
    await waitFor(() => worker.metrics.storeFailures >= 1, {
      description: 'a window write to fail',
      timeoutMs: 30_000,
    });
    await redis.restart();
    await stream(10);
    await failures('redis-fault');
    await waitFor(async () => (await countedInRedis('redis-fault')) === 70 * SPANS_PER_RECORD + 100, {
      description: 'every record counted after the restart',
      timeoutMs: 120_000,
    });
    await expectExactCounts(store, 70 * SPANS_PER_RECORD);
    await waitFor(
      () => breachesOf('redis-fault/flaky').length >= 1 && breachesOf('redis-fault').length >= 1,
      {
        description: 'the breach events',
        timeoutMs: 60_000,
      },
    );
    // Two more sweeps: nothing decided twice.
    const sweeps = evaluator.metrics.sweeps;
    await waitFor(() => evaluator.metrics.sweeps >= sweeps + 2, {
      description: 'two more sweeps',
      timeoutMs: 30_000,
    });
    expectBreachPublished('redis-fault');
    expectBreachPublished('broker-fault');
    expectRepublicationsIdentical();
  }, 240_000);

  it('the events topic missing while a rule fires: its events are published once, when it exists', async () => {
    const late = new Evaluator({
      policy: DEFAULT_POLICY,
      windows: new WindowReader(store, TEST_THRESHOLDS_MS),
      store,
      states: new RedisRuleStateStore(client, 'faults-late:'),
      publisher: new KafkaEventPublisher(kafka, 'late-events'),
      logger,
      sweepIntervalMs: 1000,
      dirtyPollMs: 100,
      outboxRetryMs: 500,
      outboxGraceMs: 1000,
    });
    // By position: the reader may see a record twice; the topic must hold each event once.
    const lateEvents = new Map<string, ReceivedEvent>();
    const lateReader = kafka.consumer({ groupId: `bwtest-faults-late-${randomUUID()}` });
    try {
      late.start();
      await failures('topic-fault');
      // The topic does not exist yet (and is not auto-created): every publish fails.
      await waitFor(() => late.metrics.publishFailures >= 1 && late.metrics.transitions >= 1, {
        description: 'a transition whose events cannot be published',
        timeoutMs: 90_000,
      });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'late-events' }], waitForLeaders: true });
      await admin.disconnect();
      await lateReader.connect();
      await lateReader.subscribe({ topic: 'late-events', fromBeginning: true });
      await lateReader.run({
        eachMessage: async ({ partition, message }) => {
          const event = JSON.parse(message.value?.toString() ?? '{}') as ReceivedEvent;
          lateEvents.set(`${partition}:${message.offset}`, event);
        },
      });
      const breached = () =>
        [...lateEvents.values()].filter(
          (event) => event.subject === 'topic-fault/flaky' && event.type === 'budgetwatch.budget.breached',
        );
      await waitFor(() => breached().length === 1, {
        description: 'the breach on the returned topic',
        timeoutMs: 60_000,
      });
      const sweeps = late.metrics.sweeps;
      await waitFor(() => late.metrics.sweeps >= sweeps + 2, {
        description: 'two more sweeps',
        timeoutMs: 30_000,
      });
      expect(breached()).toHaveLength(1);
      // A refused publish appends nothing: once the topic exists, each event is published once.
      const ids = [...lateEvents.values()].map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      await late.stop();
      await lateReader.disconnect();
    }
  }, 240_000);
});
