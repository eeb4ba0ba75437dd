import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from '@budgetwatch/domain';
import { Evaluator, KafkaEventPublisher, RedisRuleStateStore } from '@budgetwatch/evaluator';
import { createLogger } from '@budgetwatch/logger';
import {
  createEventValidator,
  otlpProtobuf,
  recordToolCallSpans,
  type ToolCallSpanSpec,
  waitFor,
} from '@budgetwatch/testkit';
import { WindowReader } from '@budgetwatch/window-store';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_THRESHOLDS_MS, useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('evaluator-rules');
const validator = createEventValidator();

interface ReceivedEvent {
  key: string;
  type: string;
  subject: string;
  id: string;
  data: Record<string, unknown>;
}

describe('evaluator on the real broker and Redis: each playbook rule breaches and recovers once', () => {
  const workers = useIngestWorkers(namespace);
  let producer: Producer;
  let spanTopic = '';
  let evaluator: Evaluator;
  const received: ReceivedEvent[] = [];
  const schemaErrors: string[] = [];
  const reader = testKafka().consumer({ groupId: `bwtest-events-${randomUUID()}` });

  beforeAll(async () => {
    spanTopic = await topics.create('rules-spans', { partitions: 2 });
    const deadLetterTopic = await topics.create('rules-dlq');
    const eventsTopic = await topics.create('rules-events', { partitions: 3 });
    await workers.start({ spanTopic, deadLetterTopic }, { commitIntervalMs: 200 });
    producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    evaluator = new Evaluator({
      // The early warning is on: no playbook scenario below burns fast enough to trip it.
      policy: { ...DEFAULT_POLICY, burnRate: { ...DEFAULT_POLICY.burnRate, enabled: true } },
      windows: new WindowReader(workers.store, TEST_THRESHOLDS_MS),
      store: workers.store,
      states: new RedisRuleStateStore(namespace.client, namespace.prefix),
      publisher: new KafkaEventPublisher(testKafka('evaluator'), eventsTopic),
      logger: createLogger({ name: 'test-evaluator', level: 'silent' }),
      sweepIntervalMs: 1000,
      dirtyPollMs: 100,
    });
    evaluator.start();
    await reader.connect();
    await reader.subscribe({ topic: eventsTopic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const event = JSON.parse(message.value?.toString() ?? '{}') as Omit<ReceivedEvent, 'key'>;
        schemaErrors.push(...validator.errors(event).map((e) => `${event.type}: ${e}`));
        received.push({ ...event, key: message.key?.toString() ?? '' });
      },
    });
  });

  afterAll(async () => {
    await evaluator?.stop();
    await reader.disconnect();
    await producer?.disconnect();
  });

  /** In records of at most 2,000 spans, under the broker's 1 MB limit. */
  const send = async (specs: ToolCallSpanSpec[]) => {
    for (let i = 0; i < specs.length; i += 2000) {
      await producer.send({
        topic: spanTopic,
        messages: [{ value: Buffer.from(otlpProtobuf(recordToolCallSpans(specs.slice(i, i + 2000)))) }],
      });
    }
  };
  const calls = (server: string, tool: string, count: number, shape: Partial<ToolCallSpanSpec> = {}) =>
    Array.from({ length: count }, (_, i) => ({
      tool,
      server,
      endTimeMs: Date.now() - 1000 - i,
      durationMs: 50,
      ...shape,
    }));
  const eventsOf = (server: string) => received.filter((event) => event.key === server);
  /** Waits for `count` events of the server, then until every series was evaluated again. */
  const settle = async (server: string, count: number) => {
    await waitFor(() => eventsOf(server).length >= count, {
      description: `${count} events for ${server}`,
      timeoutMs: 30_000,
    });
    // Two full sweeps later every series has been evaluated again: nothing more may come.
    const sweeps = evaluator.metrics.sweeps;
    await waitFor(() => evaluator.metrics.sweeps >= sweeps + 2, {
      description: 'two more sweeps',
      timeoutMs: 30_000,
    });
    return eventsOf(server).map((event) => `${event.subject} ${event.type.replace('budgetwatch.', '')}`);
  };

  it.each([
    {
      rule: 'success-rate',
      healthy: { count: 100 },
      burst: { count: 10, shape: { error: true } },
      recovery: { count: 400 },
      breach: ['budget.breached', 'traffic.frozen'],
      recover: ['budget.recovered', 'traffic.unfrozen'],
    },
    {
      rule: 'latency-p95',
      healthy: { count: 100 },
      burst: { count: 10, shape: { durationMs: 4000 } },
      recovery: { count: 200 },
      breach: ['budget.breached', 'concurrency.lowered'],
      recover: ['budget.recovered', 'concurrency.restored'],
    },
    {
      rule: 'unexpected-policy-blocks',
      healthy: { count: 100 },
      burst: { count: 15, shape: { policyDenied: true } },
      recovery: { count: 100 },
      breach: ['budget.breached', 'audit.requested'],
      recover: ['budget.recovered'],
    },
    {
      rule: 'fallback-activation',
      healthy: { count: 100 },
      burst: { count: 20, shape: { fallback: true } },
      recovery: { count: 100 },
      breach: ['budget.breached', 'incident.opened', 'expansion.halted'],
      recover: ['budget.recovered', 'incident.resolved', 'expansion.resumed'],
    },
  ])(
    '$rule: one breach with its actions, for the tool and its server; recovery undoes them',
    async (scenario) => {
      const server = `srv-${scenario.rule}`;
      await send(calls(server, 'tool-a', scenario.healthy.count));
      await send(calls(server, 'tool-a', scenario.burst.count, scenario.burst.shape));
      const breach = (subject: string) => scenario.breach.map((type) => `${subject} ${type}`);
      const breached = await settle(server, 2 * scenario.breach.length);
      expect(breached.filter((e) => e.startsWith(`${server}/tool-a `))).toEqual(breach(`${server}/tool-a`));
      expect(breached.filter((e) => e.startsWith(`${server} `))).toEqual(breach(server));

      await send(calls(server, 'tool-a', scenario.recovery.count));
      const all = await settle(server, 2 * (scenario.breach.length + scenario.recover.length));
      const recover = (subject: string) => scenario.recover.map((type) => `${subject} ${type}`);
      expect(all.filter((e) => e.startsWith(`${server}/tool-a `))).toEqual([
        ...breach(`${server}/tool-a`),
        ...recover(`${server}/tool-a`),
      ]);
      expect(all.filter((e) => e.startsWith(`${server} `))).toEqual([...breach(server), ...recover(server)]);
      const breachEvent = eventsOf(server).find((e) => e.type === 'budgetwatch.budget.breached');
      expect(breachEvent?.data).toMatchObject({ rule: scenario.rule, server, transition: 1 });
      expect(schemaErrors).toEqual([]);
    },
  );

  it('success-rate: a tool breaching alone leaves its server quiet until the server crosses too', async () => {
    const server = 'srv-two-tools';
    await send(calls(server, 'lookup', 1000));
    await send(calls(server, 'refund', 100));
    await send(calls(server, 'refund', 10, { error: true })); // refund 90.9%, server 99.1%
    expect(await settle(server, 2)).toEqual([
      `${server}/refund budget.breached`,
      `${server}/refund traffic.frozen`,
    ]);
    await send(calls(server, 'refund', 30, { error: true })); // server 1100 of 1140: 96.5%
    expect(await settle(server, 4)).toEqual([
      `${server}/refund budget.breached`,
      `${server}/refund traffic.frozen`,
      `${server} budget.breached`,
      `${server} traffic.frozen`,
    ]);
    const serverBreach = eventsOf(server).find(
      (e) => e.subject === server && e.type === 'budgetwatch.budget.breached',
    );
    expect(serverBreach?.data).toMatchObject({
      scope: 'server',
      tool: null,
      part: 1100,
      whole: 1140,
      threshold: 0.97,
    });
    expect(schemaErrors).toEqual([]);
  });

  it('burn-rate warning: a fast burn in the last hour pages while the 24h success rate still holds', async () => {
    const server = 'srv-burn';
    // Tool and server are evaluated concurrently: compare each subject's own sequence.
    const bySubject = (events: string[], subject: string) =>
      events.filter((e) => e.startsWith(`${subject} `));
    // Three hours ago: 10,000 good calls keep the 24h rate at 99.5% through what follows.
    await send(calls(server, 'charge', 10_000, { endTimeMs: Date.now() - 3 * 3_600_000 }));
    await send(calls(server, 'charge', 50));
    await send(calls(server, 'charge', 50, { error: true })); // last hour: 50% errors, 16.7x the 3% budget
    const paged = await settle(server, 2);
    for (const subject of [`${server}/charge`, server]) {
      expect(bySubject(paged, subject)).toEqual([`${subject} budget.breached`]);
    }
    const warning = eventsOf(server).find((e) => e.subject === `${server}/charge`);
    expect(warning?.data).toMatchObject({
      rule: 'success-rate-burn-rate',
      part: 50,
      whole: 100,
      threshold: 0.97,
    });
    await send(calls(server, 'charge', 1000)); // the short window stops burning
    const resolved = await settle(server, 4);
    for (const subject of [`${server}/charge`, server]) {
      expect(bySubject(resolved, subject)).toEqual([
        `${subject} budget.breached`,
        `${subject} budget.recovered`,
      ]);
    }
    expect(schemaErrors).toEqual([]);
  });
});
