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

const logger = createLogger({ name: 'test-faults', level: 'silent' });
const validator = createEventValidator();

interface ReceivedEvent {
  id: string;
  type: string;
  subject: string;
}

/**
 * The pipeline keeps counting and alerting through the faults it sits in: the broker stopped for
 * 20 s mid-stream, and Redis (with AOF) restarted mid-stream. Each ends with exact counts and every
 * transition published once. Runs its own broker and Redis, since it stops them.
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
  const received: ReceivedEvent[] = [];
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
    reader = kafka.consumer({ groupId: `bwtest-faults-reader-${randomUUID()}` });
    await reader.connect();
    await reader.subscribe({ topic: 'events', fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value?.toString() ?? '{}') as ReceivedEvent;
        expect(validator.errors(event)).toEqual([]);
        received.push(event);
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
  const counted = () => worker.metrics.callsApplied;
  const breachesOf = (subject: string) =>
    received.filter((event) => event.subject === subject && event.type === 'budgetwatch.budget.breached');

  it('the broker stopped for 20 s mid-stream: exact counts, each breach published once', async () => {
    await stream(20);
    await waitFor(() => counted() >= 20 * SPANS_PER_RECORD, {
      description: 'the first records counted',
      timeoutMs: 30_000,
    });
    await broker.halt();
    const haltedAt = Date.now();
    await waitFor(() => Date.now() - haltedAt >= 20_000, {
      description: '20 s of broker outage',
      timeoutMs: 25_000,
    });
    await broker.restart();
    await stream(20);
    await failures('broker-fault');
    await waitFor(() => counted() >= 40 * SPANS_PER_RECORD + 100, {
      description: 'every record counted after the outage',
      timeoutMs: 120_000,
    });
    await expectExactCounts(store, 40 * SPANS_PER_RECORD);
    await waitFor(() => breachesOf('broker-fault/flaky').length === 1, {
      description: 'the breach event',
      timeoutMs: 60_000,
    });
  }, 240_000);

  it('Redis (AOF) restarted mid-stream: exact counts, each breach published once', async () => {
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
    await waitFor(() => counted() >= 70 * SPANS_PER_RECORD + 200, {
      description: 'every record counted after the restart',
      timeoutMs: 120_000,
    });
    await expectExactCounts(store, 70 * SPANS_PER_RECORD);
    await waitFor(() => breachesOf('redis-fault/flaky').length === 1, {
      description: 'the breach event',
      timeoutMs: 60_000,
    });
    // Two more sweeps: nothing published twice.
    const sweeps = evaluator.metrics.sweeps;
    await waitFor(() => evaluator.metrics.sweeps >= sweeps + 2, {
      description: 'two more sweeps',
      timeoutMs: 30_000,
    });
    expect(new Set(received.map((event) => event.id)).size).toBe(received.length);
    expect(breachesOf('broker-fault/flaky')).toHaveLength(1);
  }, 240_000);

  it('the events topic unavailable while a rule fires: its events are published once it returns', async () => {
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
    const lateEvents: ReceivedEvent[] = [];
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
        eachMessage: async ({ message }) => {
          lateEvents.push(JSON.parse(message.value?.toString() ?? '{}') as ReceivedEvent);
        },
      });
      const breached = () =>
        lateEvents.filter(
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
      expect(new Set(lateEvents.map((event) => event.id)).size).toBe(lateEvents.length);
    } finally {
      await late.stop();
      await lateReader.disconnect();
    }
  }, 240_000);
});
