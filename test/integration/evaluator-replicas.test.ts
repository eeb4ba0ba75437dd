import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from '@budgetwatch/domain';
import { Evaluator, KafkaEventPublisher, RedisRuleStateStore } from '@budgetwatch/evaluator';
import { createLogger } from '@budgetwatch/logger';
import { otlpProtobuf, recordToolCallSpans, waitFor } from '@budgetwatch/testkit';
import { WindowReader } from '@budgetwatch/window-store';
import { describe, expect, it } from 'vitest';
import { TEST_THRESHOLDS_MS, useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('evaluator-replicas');
const SERVERS = ['alpha', 'beta', 'gamma'];
/** Each phase flips every server (beta skips the first): 11 or 12 transitions a series. */
const PHASES = 12;

interface Received {
  id: string;
  type: string;
  subject: string;
  data: { rule: string; transition: number };
}

describe('two evaluators over the same data', () => {
  const workers = useIngestWorkers(namespace);

  it('traffic flipping between healthy and failing, phase after phase: every transition published exactly once', async () => {
    const spanTopic = await topics.create('replicas-spans', { partitions: 3 });
    const deadLetterTopic = await topics.create('replicas-dlq');
    const eventsTopic = await topics.create('replicas-events', { partitions: 3 });
    await workers.start({ spanTopic, deadLetterTopic }, { commitIntervalMs: 200, fetchMaxWaitMs: 100 });
    const states = new RedisRuleStateStore(namespace.client, namespace.prefix);
    const evaluators = ['one', 'two'].map(
      (name) =>
        new Evaluator({
          policy: DEFAULT_POLICY,
          windows: new WindowReader(workers.store, TEST_THRESHOLDS_MS),
          store: workers.store,
          states,
          publisher: new KafkaEventPublisher(testKafka(`evaluator-${name}`), eventsTopic),
          logger: createLogger({ name: `evaluator-${name}`, level: 'silent' }),
          // Short, so that sweeps and prompt passes of both replicas meet within each phase, and an
          // outbox left behind would be published again within the test.
          sweepIntervalMs: 200,
          dirtyPollMs: 50,
          outboxRetryMs: 200,
          outboxGraceMs: 500,
        }),
    );
    for (const evaluator of evaluators) evaluator.start();

    const producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    // Per server: successes and failures so far. Failing phases push the 24h success rate under
    // 96%, healthy phases back over 98%, so every phase is a transition of tool and server.
    const counts = new Map(SERVERS.map((server) => [server, { ok: 100, failed: 0 }]));
    const send = async (server: string, ok: number, failed: number) => {
      const specs = [
        ...Array.from({ length: ok }, () => ({ error: false })),
        ...Array.from({ length: failed }, () => ({ error: true })),
      ].map((shape, i) => ({
        tool: 'call',
        server,
        endTimeMs: Date.now() - 500 - (i % 1000),
        durationMs: 20,
        ...shape,
      }));
      for (let i = 0; i < specs.length; i += 2000) {
        await producer.send({
          topic: spanTopic,
          messages: [{ value: Buffer.from(otlpProtobuf(recordToolCallSpans(specs.slice(i, i + 2000)))) }],
        });
      }
    };
    for (const server of SERVERS) await send(server, 100, 0);
    // Transitions (tool and server) each series must make; a phase ends once both replicas
    // together have made every transition so far, so no flip can hide another.
    const flips = new Map(SERVERS.map((server) => [server, 0]));
    const made = () => evaluators.reduce((sum, evaluator) => sum + evaluator.metrics.transitions, 0);
    const expected = () => 2 * [...flips.values()].reduce((sum, count) => sum + count, 0);
    for (let phase = 1; phase <= PHASES; phase++) {
      for (const [index, server] of SERVERS.entries()) {
        const count = counts.get(server) ?? { ok: 0, failed: 0 };
        // Servers are out of step, so the evaluators see transitions at different moments.
        if ((phase + index) % 2 === 1) {
          const failed = Math.floor(count.ok / 24) - count.failed + 1; // under 96%
          count.failed += failed;
          await send(server, 0, failed);
        } else if (count.failed > 0) {
          const ok = 49 * count.failed - count.ok + 1; // over 98%
          count.ok += ok;
          await send(server, ok, 0);
        } else {
          continue;
        }
        flips.set(server, (flips.get(server) ?? 0) + 1);
      }
      await waitFor(() => made() >= expected(), {
        description: `phase ${phase}: ${expected()} transitions`,
        timeoutMs: 30_000,
        intervalMs: 20,
      });
    }
    await producer.disconnect();
    for (const evaluator of evaluators) {
      const sweeps = evaluator.metrics.sweeps;
      await waitFor(() => evaluator.metrics.sweeps >= sweeps + 2, {
        description: 'two more sweeps',
        timeoutMs: 30_000,
      });
    }
    for (const evaluator of evaluators) await evaluator.stop();
    expect(await states.outboxes(Number.MAX_SAFE_INTEGER)).toEqual([]);

    const received: Received[] = [];
    const reader = testKafka().consumer({ groupId: `bwtest-replicas-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await reader.connect();
    await reader.subscribe({ topic: eventsTopic, fromBeginning: true });
    const end = await topics.admin.fetchTopicOffsets(eventsTopic);
    const total = end.reduce((sum, p) => sum + Number(p.high), 0);
    await reader.run({
      eachMessage: async ({ message }) => void received.push(JSON.parse(message.value?.toString() ?? '{}')),
    });
    await waitFor(() => received.length === total, {
      description: `${total} events read`,
      timeoutMs: 30_000,
    });
    await reader.disconnect();

    // No event twice, and per rule and series the transitions run 1, 2, 3... alternating.
    const ids = received.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    const budget = received.filter((e) => e.type.startsWith('budgetwatch.budget.'));
    const bySeries = new Map<string, Received[]>();
    for (const event of budget) {
      const key = `${event.data.rule} ${event.subject}`;
      bySeries.set(key, [...(bySeries.get(key) ?? []), event]);
    }
    expect([...bySeries.keys()].sort()).toEqual(
      SERVERS.flatMap((s) => [`success-rate ${s}`, `success-rate ${s}/call`]).sort(),
    );
    // Every flip was one transition, made by one replica.
    expect(made()).toBe(expected());
    for (const [series, events] of bySeries) {
      const transitions = events.map((e) => e.data.transition).sort((a, b) => a - b);
      expect(transitions, series).toEqual(transitions.map((_, i) => i + 1));
      const server = series.slice('success-rate '.length).split('/')[0] ?? '';
      expect(transitions.length, series).toBe(flips.get(server));
      const ordered = [...events].sort((a, b) => a.data.transition - b.data.transition);
      expect(
        ordered.map((e) => e.type),
        series,
      ).toEqual(
        ordered.map((_, i) => (i % 2 === 0 ? 'budgetwatch.budget.breached' : 'budgetwatch.budget.recovered')),
      );
    }
    // Both replicas did the work, and they did collide.
    expect(evaluators.every((e) => e.metrics.evaluations > 0)).toBe(true);
    console.info(
      `[evaluator replicas] ${budget.length} transitions; published ${evaluators.map((e) => e.metrics.transitions).join(' + ')}, conflicts ${evaluators.map((e) => e.metrics.conflicts).join(' + ')}`,
    );
  }, 90_000);
});
