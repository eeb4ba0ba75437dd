import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY, type PositionedCall, type ToolCall } from '@budgetwatch/domain';
import { Evaluator, KafkaEventPublisher, RedisRuleStateStore } from '@budgetwatch/evaluator';
import { createLogger } from '@budgetwatch/logger';
import { createEventValidator, type LocalKafka, startLocalKafka, waitFor } from '@budgetwatch/testkit';
import { FenceCache, RedisWindowStore, WindowReader, writeBatchExactlyOnce } from '@budgetwatch/window-store';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalKafkaBrokers, kafkaCacheDir } from '../setup/test-bed.js';
import { TEST_THRESHOLDS_MS } from '../support/ingest.js';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('evaluator-outage');
const validator = createEventValidator();
const SERVER = 'outage-server';
const EVENTS_TOPIC = 'budgetwatch.events';

interface ReceivedEvent {
  id: string;
  type: string;
  subject: string;
}

/**
 * The broker the evaluator publishes to goes down while a rule fires. The transition is decided and
 * its events kept in Redis; once the broker is back they are published, exactly once. This test
 * runs its own broker, since it stops it.
 */
describe.skipIf(externalKafkaBrokers() !== undefined)('evaluator events while Kafka is down', () => {
  let broker: LocalKafka;
  let kafka: Kafka;
  let evaluator: Evaluator;
  let reader: Consumer | undefined;
  const states = new RedisRuleStateStore(namespace.client, namespace.prefix);
  const store = new RedisWindowStore(namespace.client, namespace.prefix, {
    thresholdsMs: TEST_THRESHOLDS_MS,
  });
  const fences = new FenceCache();
  const received: ReceivedEvent[] = [];
  const schemaErrors: string[] = [];
  let offset = 0;

  beforeAll(async () => {
    broker = await startLocalKafka({ cacheDir: kafkaCacheDir(), heap: '384m' });
    kafka = new Kafka({ clientId: 'outage-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: EVENTS_TOPIC, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    evaluator = new Evaluator({
      policy: DEFAULT_POLICY,
      windows: new WindowReader(store, TEST_THRESHOLDS_MS),
      store,
      states,
      // A client that gives up on a send after one quick retry (kafkajs: five, ~10 s): each publish
      // attempt during the outage fails within a second, and the outbox retry takes it from there.
      publisher: new KafkaEventPublisher(
        new Kafka({
          clientId: 'outage-evaluator',
          brokers: broker.brokers,
          logLevel: logLevel.NOTHING,
          retry: { retries: 1, initialRetryTime: 100 },
        }),
        EVENTS_TOPIC,
      ),
      logger: createLogger({ name: 'test-evaluator', level: 'silent' }),
      sweepIntervalMs: 500,
      dirtyPollMs: 100,
      outboxRetryMs: 500,
      outboxGraceMs: 1000,
    });
    evaluator.start();
  }, 120_000);

  afterAll(async () => {
    await evaluator?.stop();
    await reader?.disconnect();
    await broker?.stop();
  }, 60_000);

  /** Writes calls of one tool straight into the windows (the ingest path is tested elsewhere). */
  const write = async (count: number, outcome: ToolCall['outcome']) => {
    const now = Date.now();
    const entries: PositionedCall[] = Array.from({ length: count }, (_, i) => ({
      offset,
      call: {
        server: SERVER,
        tool: 'search',
        drill: false,
        outcome,
        fallback: false,
        latencyMs: 40,
        eventTimeMs: now - 1000 - i,
        unregistered: true,
      },
    }));
    await writeBatchExactlyOnce(
      store,
      { topic: 'spans', partition: 0 },
      entries,
      offset,
      now,
      TEST_THRESHOLDS_MS,
      fences,
    );
    offset += 1;
  };
  const sweepsAfterNow = async (count: number) => {
    const sweeps = evaluator.metrics.sweeps;
    await waitFor(() => evaluator.metrics.sweeps >= sweeps + count, {
      description: `${count} more sweeps`,
      timeoutMs: 30_000,
    });
  };
  const summary = () => received.map((event) => `${event.subject} ${event.type.replace('budgetwatch.', '')}`);

  it('keeps a breach decided during the outage and publishes it once the broker is back', async () => {
    await write(100, 'ok');
    await sweepsAfterNow(1);

    await broker.halt();
    await write(10, 'error');
    // Decided and queued in Redis (tool and server), while every publish attempt fails.
    await waitFor(() => evaluator.metrics.transitions >= 2 && evaluator.metrics.publishFailures >= 2, {
      description: 'two transitions whose events could not be published',
      timeoutMs: 60_000,
    });
    const queued = await states.outboxes(Number.MAX_SAFE_INTEGER);
    expect(queued.flatMap((outbox) => outbox.events.map((event) => event.type)).sort()).toEqual([
      'budgetwatch.budget.breached',
      'budgetwatch.budget.breached',
      'budgetwatch.traffic.frozen',
      'budgetwatch.traffic.frozen',
    ]);
    expect(evaluator.metrics.eventsPublished).toBe(0);

    await broker.restart();
    reader = kafka.consumer({ groupId: `bwtest-outage-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic: EVENTS_TOPIC, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value?.toString() ?? '{}') as ReceivedEvent;
        schemaErrors.push(...validator.errors(event).map((error) => `${event.type}: ${error}`));
        received.push(event);
      },
    });
    await waitFor(() => received.length >= 4, { description: 'the queued events', timeoutMs: 90_000 });
    await sweepsAfterNow(3);
    await waitFor(async () => (await states.outboxes(Number.MAX_SAFE_INTEGER)).length === 0, {
      description: 'every outbox cleared',
      timeoutMs: 10_000,
    });
    expect(summary().sort()).toEqual([
      `${SERVER} budget.breached`,
      `${SERVER} traffic.frozen`,
      `${SERVER}/search budget.breached`,
      `${SERVER}/search traffic.frozen`,
    ]);

    // The publisher reconnected: recovery goes straight out.
    await write(400, 'ok');
    await waitFor(() => received.length >= 8, { description: 'the recovery events', timeoutMs: 30_000 });
    await sweepsAfterNow(2);
    expect(summary().slice(4).sort()).toEqual([
      `${SERVER} budget.recovered`,
      `${SERVER} traffic.unfrozen`,
      `${SERVER}/search budget.recovered`,
      `${SERVER}/search traffic.unfrozen`,
    ]);
    expect(new Set(received.map((event) => event.id)).size).toBe(received.length);
    expect(schemaErrors).toEqual([]);
  }, 240_000);
});
