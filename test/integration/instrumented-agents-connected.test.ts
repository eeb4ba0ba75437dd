import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  expectCounted,
  expectedPerTool,
  toolCallsClassified,
} from '../support/instrumented-agents/budgetwatch-counts.js';
import { runAgent } from '../support/instrumented-agents/run-agent.js';
import { inventoryEntry } from '../support/inventory-entries.js';
import { useTopics } from '../support/kafka.js';
import { redisEnvironment, useRedisNamespace } from '../support/redis.js';

/**
 * The real instrumentation packages into `budgetwatch start` on Kafka and Redis: spans through the
 * OTLP intake, the span topic and the ingest worker into Redis windows, counted as on embedded
 * defaults (instrumented-agents-embedded.test.ts).
 */

const topics = useTopics();
const namespace = await useRedisNamespace('instrumented-agents');

let instance: BudgetwatchInstance;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-agents-connected-'));
  const inventory = join(dir, 'inventory.yaml');
  const servers = ['traceloop', 'aiSdk'].map((agent) => ({
    ...inventoryEntry(`${agent}-connected-mcp`, 2, 'unused.invalid'),
    match: [{ attribute: 'service.name', on: 'resource', equals: `${agent}-connected-agent` }],
  }));
  writeFileSync(inventory, stringify({ servers }));
  const groupId = `bwtest-agents-${randomUUID()}`;
  instance = await startBudgetwatch(['start'], {
    KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
    ...redisEnvironment(namespace.target),
    REDIS_KEY_PREFIX: namespace.prefix,
    BUDGETWATCH_INVENTORY: inventory,
    BUDGETWATCH_SPAN_TOPICS: await topics.create('agents-spans'),
    BUDGETWATCH_DLQ_TOPIC: await topics.create('agents-dlq'),
    BUDGETWATCH_EVENTS_TOPIC: await topics.create('agents-events'),
    BUDGETWATCH_INGEST_GROUP_ID: groupId,
    BUDGETWATCH_NOTIFIER_GROUP_ID: `${groupId}-notifier`,
    BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
  });
});

afterAll(async () => {
  await instance?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('real instrumentations on Kafka and Redis', () => {
  it('Traceloop over stdio: 50 calls and 13 errors in the Redis windows, 2h and 24h', async () => {
    const classified = await toolCallsClassified(instance, 50, () =>
      runAgent('traceloop', {
        otlpUrl: instance.intakeUrl,
        serviceName: 'traceloop-connected-agent',
        toolPrefix: 'tlk_',
      }),
    );
    expect(classified).toBe(50);
    const expected = expectedPerTool('tlk_', ['isError', 'protocolError']);
    await expectCounted(instance, 'traceloop-connected-mcp', 'tlk_', expected);
  });

  it('AI SDK with @ai-sdk/otel: 50 calls and 5 errors in the Redis windows, 2h and 24h', async () => {
    const classified = await toolCallsClassified(instance, 50, () =>
      runAgent('aiSdk', {
        otlpUrl: instance.intakeUrl,
        serviceName: 'aiSdk-connected-agent',
        toolPrefix: 'aik_',
      }),
    );
    expect(classified).toBe(50);
    const expected = expectedPerTool('aik_', ['protocolError']);
    await expectCounted(instance, 'aiSdk-connected-mcp', 'aik_', expected);
  });
});
