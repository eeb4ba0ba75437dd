import type { CoverageReport } from '@budgetwatch/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  expectCounted,
  expectedPerTool,
  metricTotal,
  toolCallsClassified,
} from '../support/instrumented-agents/budgetwatch-counts.js';
import { connectedEnvironment } from '../support/instrumented-agents/connected-environment.js';
import { FIXTURE_SERVER_NAME } from '../support/instrumented-agents/fixture-server-name.js';
import { runAgent } from '../support/instrumented-agents/run-agent.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

/**
 * A server-side instrumentation, @shinzolabs/instrumentation-mcp in the MCP server itself, driving
 * its spans (OTLP/HTTP JSON, from its own OpenTelemetry SDK) into a real `budgetwatch start` that
 * counts the server side (BUDGETWATCH_PERSPECTIVE=server), on embedded defaults and on Kafka and
 * Redis.
 */

const topics = useTopics();
const namespace = await useRedisNamespace('instrumented-server-side');

/**
 * Shinzo wraps the tool handler and marks a span ERROR only when the handler throws: the 8
 * isError results are recorded as successes, so only the 5 protocol errors are errors here.
 */
async function expectShinzoCounted(instance: BudgetwatchInstance, prefix: string): Promise<void> {
  const classified = await toolCallsClassified(instance, 50, () =>
    runAgent('plain', {
      otlpUrl: instance.intakeUrl,
      fixtureApi: 'mcp-server',
      // Shinzo appends /traces (and /metrics) to the endpoint it is given.
      shinzoEndpoint: instance.intakeUrl.replace(/\/traces$/, ''),
      toolPrefix: prefix,
    }),
  );
  expect(classified).toBe(50);
  // The server named by its resource's service.name (Shinzo's serverName): attributed, unregistered.
  await expectCounted(instance, FIXTURE_SERVER_NAME, prefix, expectedPerTool(prefix, ['protocolError']));
  expect(await metricTotal(instance, 'budgetwatch_ingest_unattributed_calls_total')).toBe(0);
  // What Shinzo cannot tell, the coverage report says beside its calls.
  const coverage = await instance.getJson<CoverageReport>('/api/v1/coverage');
  expect(coverage.profileLimits).toEqual([
    {
      profile: 'shinzo-mcp',
      calls: 50,
      cannotReport: ['isError results: their spans end OK, so they count as successes'],
    },
  ]);
}

describe('Shinzo MCP instrumentation (server side) on embedded defaults', () => {
  let instance: BudgetwatchInstance;
  beforeAll(async () => {
    instance = await startBudgetwatch(['start'], { BUDGETWATCH_PERSPECTIVE: 'server' });
  });
  afterAll(async () => {
    await instance?.stop();
  });

  it('counts the 50 calls; isError results are not errors to Shinzo', async () => {
    await expectShinzoCounted(instance, 'sz_');
  });
});

describe('Shinzo MCP instrumentation (server side) on Kafka and Redis', () => {
  let instance: BudgetwatchInstance;
  beforeAll(async () => {
    instance = await startBudgetwatch(['start'], {
      BUDGETWATCH_PERSPECTIVE: 'server',
      ...(await connectedEnvironment(topics, namespace, 'server-side')),
    });
  });
  afterAll(async () => {
    await instance?.stop();
  });

  it('counts the 50 calls in the Redis windows; isError results are not errors to Shinzo', async () => {
    await expectShinzoCounted(instance, 'szk_');
  });
});
