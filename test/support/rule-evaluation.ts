import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from '@budgetwatch/domain';
import {
  Evaluator,
  type EvaluatorOptions,
  KafkaEventPublisher,
  RedisRuleStateStore,
} from '@budgetwatch/evaluator';
import type { IngestWorkerOptions } from '@budgetwatch/ingest-worker';
import { createLogger } from '@budgetwatch/logger';
import {
  createEventValidator,
  otlpProtobuf,
  type RedisNamespace,
  recordToolCallSpans,
  type ToolCallSpanSpec,
  waitFor,
} from '@budgetwatch/testkit';
import { WindowReader } from '@budgetwatch/window-store';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, expect } from 'vitest';
import { TEST_THRESHOLDS_MS, useIngestWorkers } from './ingest.js';
import { testKafka, type useTopics } from './kafka.js';

const validator = createEventValidator();

/** An event as read from the events topic, with its record key (the server). */
export interface ReceivedEvent {
  key: string;
  type: string;
  subject: string;
  id: string;
  data: Record<string, unknown>;
}

/** A playbook rule, the traffic that breaches it and recovers it, and the events each must give. */
export interface PlaybookScenario {
  rule: string;
  healthy: { count: number };
  burst: { count: number; shape: Partial<ToolCallSpanSpec> };
  recovery: { count: number };
  breach: string[];
  recover: string[];
}

export const PLAYBOOK_SCENARIOS: PlaybookScenario[] = [
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
];

/**
 * What a suite changes in the bed: the evaluator's policy, CRS and sweep interval (1000 ms unless
 * told), the workers' inventory.
 */
export interface RuleEvaluationOptions {
  evaluator?: Partial<Pick<EvaluatorOptions, 'policy' | 'crs' | 'sweepIntervalMs'>>;
  workers?: Partial<IngestWorkerOptions>;
}

/**
 * Ingest workers and an evaluator on the run's broker, with windows and rule states in
 * `namespace`'s Redis, and a reader of the events they publish: started before the calling
 * suite's tests, stopped after them. The policy is the playbook's, with the burn-rate warning on.
 */
export function useRuleEvaluation(
  topics: ReturnType<typeof useTopics>,
  namespace: RedisNamespace,
  label: string,
  options: RuleEvaluationOptions = {},
) {
  const workers = useIngestWorkers(namespace);
  let producer: Producer;
  let spanTopic = '';
  let evaluator: Evaluator;
  const received: ReceivedEvent[] = [];
  const schemaErrors: string[] = [];
  let eventsTopic = '';
  // A short fetch wait: disconnecting waits for the fetch in flight.
  const reader = testKafka().consumer({ groupId: `bwtest-events-${randomUUID()}`, maxWaitTimeInMs: 100 });

  beforeAll(async () => {
    spanTopic = await topics.create(`${label}-spans`, { partitions: 2 });
    const deadLetterTopic = await topics.create(`${label}-dlq`);
    eventsTopic = await topics.create(`${label}-events`, { partitions: 3 });
    await workers.start({ spanTopic, deadLetterTopic }, { commitIntervalMs: 200, ...options.workers });
    producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    evaluator = new Evaluator({
      // The early warning is on: no playbook scenario burns fast enough to trip it.
      policy: { ...DEFAULT_POLICY, burnRate: { ...DEFAULT_POLICY.burnRate, enabled: true } },
      windows: new WindowReader(workers.store, TEST_THRESHOLDS_MS),
      store: workers.store,
      states: new RedisRuleStateStore(namespace.client, namespace.prefix),
      publisher: new KafkaEventPublisher(testKafka('evaluator'), eventsTopic),
      logger: createLogger({ name: 'test-evaluator', level: 'silent' }),
      sweepIntervalMs: 1000,
      dirtyPollMs: 100,
      ...options.evaluator,
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
  /**
   * Two full sweeps later every series has been evaluated again: nothing more may come once the
   * reader has every event published so far.
   */
  const twoMoreSweeps = async () => {
    const sweeps = evaluator.metrics.sweeps;
    await waitFor(() => evaluator.metrics.sweeps >= sweeps + 2, {
      description: 'two more sweeps',
      timeoutMs: 30_000,
    });
    const published = (await topics.admin.fetchTopicOffsets(eventsTopic)).reduce(
      (sum, partition) => sum + Number(partition.high),
      0,
    );
    await waitFor(() => received.length >= published, {
      description: `the reader to have all ${published} events published`,
      timeoutMs: 30_000,
    });
  };
  /** Waits for `count` events of the server, then until every series was evaluated again. */
  const settle = async (server: string, count: number) => {
    await waitFor(() => eventsOf(server).length >= count, {
      description: `${count} events for ${server}`,
      timeoutMs: 30_000,
    });
    await twoMoreSweeps();
    return eventsOf(server).map((event) => `${event.subject} ${event.type.replace('budgetwatch.', '')}`);
  };

  /** Drives one scenario: one breach with its actions for the tool and its server, then recovery. */
  const expectBreachAndRecovery = async (scenario: PlaybookScenario) => {
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
  };

  return {
    workers,
    received,
    schemaErrors,
    send,
    calls,
    eventsOf,
    twoMoreSweeps,
    settle,
    expectBreachAndRecovery,
  };
}
