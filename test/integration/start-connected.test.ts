import { randomUUID } from 'node:crypto';
import type { StatusReport } from '@budgetwatch/api';
import type { WindowSummary } from '@budgetwatch/domain';
import { type PrivateRedis, startPrivateRedis, waitFor } from '@budgetwatch/testkit';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordAgentCalls } from '../support/agent-spans.js';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { useTopics } from '../support/kafka.js';
import { grpcTraceExporter } from '../support/otlp-grpc.js';

const topics = useTopics();

interface Readiness {
  status: string;
  checks: Record<string, string>;
}

/** `budgetwatch start` with KAFKA_BROKERS and REDIS_URL set: every stage in one process, on them. */
describe('budgetwatch start on Kafka and Redis', () => {
  let redis: PrivateRedis;
  let instance: BudgetwatchInstance;
  let spanTopic = '';
  const groupId = `bwtest-start-${randomUUID()}`;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    spanTopic = await topics.create('start-spans', { partitions: 2 });
    instance = await startBudgetwatch(['start'], {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: redis.url,
      BUDGETWATCH_SPAN_TOPICS: spanTopic,
      BUDGETWATCH_DLQ_TOPIC: await topics.create('start-dlq'),
      BUDGETWATCH_EVENTS_TOPIC: await topics.create('start-events'),
      BUDGETWATCH_INGEST_GROUP_ID: groupId,
      BUDGETWATCH_NOTIFIER_GROUP_ID: `${groupId}-notifier`,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
    });
  });

  afterAll(async () => {
    await instance?.stop();
    await redis?.stop();
  });

  const readiness = async () => {
    const response = await fetch(`${instance.apiUrl}/readyz`);
    return { code: response.status, body: (await response.json()) as Readiness };
  };

  it('is ready once Kafka and Redis answer and the consumer holds partitions', async () => {
    const ready = await waitFor(async () => ((await readiness()).code === 200 ? readiness() : undefined), {
      description: '/readyz to answer 200',
      timeoutMs: 45_000,
      intervalMs: 250,
    });
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { redis: 'ok', kafka: 'ok', 'ingest consumer': 'ok' },
    });
  });

  it('counts spans sent to its OTLP/HTTP intake through the span topic into Redis windows', async () => {
    await recordAgentCalls(new OTLPTraceExporter({ url: instance.intakeUrl }), {
      server: 'connected-mcp',
      tool: 'fetch',
      count: 80,
      failing: 8,
    });
    const window = await waitFor(
      async () => {
        const body = await instance.getJson<{ window: WindowSummary }>(
          '/api/v1/windows?server=connected-mcp&tool=fetch&window=2h',
        );
        return body.window.calls === 80 ? body.window : undefined;
      },
      { description: '80 calls in the window', timeoutMs: 30_000 },
    );
    expect(window).toMatchObject({ calls: 80, errors: 8 });
    const status = await instance.getJson<StatusReport>('/api/v1/status');
    expect(status.unregistered.find((server) => server.server === 'connected-mcp')?.tools).toEqual(['fetch']);
  });

  it('counts spans sent to its OTLP/gRPC intake (gzip) through the span topic into Redis windows', async () => {
    await recordAgentCalls(grpcTraceExporter(instance.grpcIntakeAddress, { gzip: true }), {
      server: 'connected-mcp',
      tool: 'fetch-grpc',
      count: 50,
      failing: 5,
    });
    const window = await waitFor(
      async () => {
        const body = await instance.getJson<{ window: WindowSummary }>(
          '/api/v1/windows?server=connected-mcp&tool=fetch-grpc&window=2h',
        );
        return body.window.calls >= 50 ? body.window : undefined;
      },
      { description: '50 gRPC calls in the window', timeoutMs: 30_000 },
    );
    expect(window).toMatchObject({ calls: 50, errors: 5 });
  });

  it('turns unready while Redis is stopped, and ready again when it is back', async () => {
    await redis.halt();
    const unready = await waitFor(async () => ((await readiness()).code === 503 ? readiness() : undefined), {
      description: '/readyz to answer 503 with Redis stopped',
      timeoutMs: 20_000,
      intervalMs: 250,
    });
    expect(unready.body.status).toBe('not ready');
    expect(unready.body.checks.redis).not.toBe('ok');
    expect(unready.body.checks.kafka).toBe('ok');
    // Alive all along: an orchestrator must not restart it for a dependency's outage.
    expect((await fetch(`${instance.apiUrl}/healthz`)).status).toBe(200);

    await redis.restart();
    await waitFor(async () => (await readiness()).code === 200, {
      description: '/readyz to answer 200 once Redis is back',
      timeoutMs: 30_000,
      intervalMs: 250,
    });
  });

  it('stops on SIGTERM after committing what it consumed', async () => {
    expect(await instance.stop()).toBe(0);
    const endOffsets = await topics.admin.fetchTopicOffsets(spanTopic);
    const [committed] = await topics.admin.fetchOffsets({ groupId, topics: [spanTopic] });
    // Partitions the intake wrote nothing to have nothing to commit.
    for (const end of endOffsets.filter((partition) => partition.high !== '0')) {
      expect(
        committed?.partitions.find((p) => p.partition === end.partition)?.offset,
        `partition ${end.partition}`,
      ).toBe(end.high);
    }
  });

  it('wrote no warning of its libraries: no kafkajs partitioner notice, no negative timer', () => {
    // Checked after it consumed, published, rode out Redis and stopped: every code path ran.
    expect(instance.output()).not.toContain('switched default partitioner');
    expect(instance.output()).not.toContain('TimeoutNegativeWarning');
    expect(instance.output()).toContain('starting every stage on Kafka and Redis');
  });
});
