import { randomUUID } from 'node:crypto';
import type { WindowSummary } from '@budgetwatch/domain';
import { type LocalKafka, startLocalKafka, waitFor } from '@budgetwatch/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { externalKafkaBrokers, kafkaCacheDir } from '../setup/test-bed.js';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { jsonExport, jsonToolSpan } from '../support/poison-spans.js';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('intake-stall');
const STALL_MS = 30_000;
const ANSWER_BOUND_MS = 7000;

/**
 * The broker stops answering (SIGSTOP) while agents export: before, the intake never answered,
 * and the exporter's retry after its own timeout counted every span again. Runs its own broker,
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
      topics: ['stall-spans', 'stall-events', 'stall-dlq'].map((topic) => ({ topic })),
    });
    await admin.disconnect();
    instance = await startBudgetwatch(['start'], {
      KAFKA_BROKERS: broker.brokers.join(','),
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_SPAN_TOPICS: 'stall-spans',
      BUDGETWATCH_EVENTS_TOPIC: 'stall-events',
      BUDGETWATCH_DLQ_TOPIC: 'stall-dlq',
      BUDGETWATCH_INGEST_GROUP_ID: `bwtest-stall-${randomUUID()}`,
      BUDGETWATCH_NOTIFIER_GROUP_ID: `bwtest-stall-notifier-${randomUUID()}`,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
    });
  }, 120_000);

  afterAll(async () => {
    if (broker !== undefined) process.kill(broker.pid, 'SIGCONT');
    await instance?.stop();
    await broker?.stop();
  }, 120_000);

  it(`answers 503 within ${ANSWER_BOUND_MS / 1000} s, and the exporter's retries count once`, async () => {
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

    process.kill(broker.pid, 'SIGSTOP');
    const stalledAt = Date.now();
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

    const stalled = answers.slice(0, -1);
    expect(stalled.length).toBeGreaterThanOrEqual(3);
    for (const answer of stalled) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
    }
    expect(final.status).toBe(200);
    const window = await waitFor(
      async () => {
        const response = await instance.getJson<{ window: WindowSummary }>(
          '/api/v1/windows?server=stalled-mcp&tool=refund&window=2h',
        );
        return response.window.calls >= 20 ? response.window : undefined;
      },
      { description: 'the export counted', timeoutMs: 60_000 },
    );
    // Counted once, however many times the exporter sent it: wait for a straggler, then check.
    await waitFor(async () => (await fetch(`${instance.apiUrl}/readyz`)).status === 200, {
      description: 'the pipeline ready again',
      timeoutMs: 60_000,
    });
    expect(window.calls).toBe(20);
    const again = await instance.getJson<{ window: WindowSummary }>(
      '/api/v1/windows?server=stalled-mcp&tool=refund&window=2h',
    );
    expect(again.window.calls).toBe(20);
  }, 240_000);
});
