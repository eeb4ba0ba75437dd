import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  expectCounted,
  expectedPerTool,
  metricTotal,
  toolCallsClassified,
} from '../support/instrumented-agents/budgetwatch-counts.js';
import { FIXTURE_SERVER_NAME } from '../support/instrumented-agents/fixture-server-name.js';
import { runAgent } from '../support/instrumented-agents/run-agent.js';

/**
 * A server-side instrumentation, @shinzolabs/instrumentation-mcp in the MCP server itself, driving
 * its spans (OTLP/HTTP JSON, from its own OpenTelemetry SDK) into a real `budgetwatch start` on
 * embedded defaults that counts the server side (BUDGETWATCH_PERSPECTIVE=server).
 */

let instance: BudgetwatchInstance;
beforeAll(async () => {
  instance = await startBudgetwatch(['start'], { BUDGETWATCH_PERSPECTIVE: 'server' });
});
afterAll(async () => {
  await instance?.stop();
});

describe('Shinzo MCP instrumentation (server side)', () => {
  it('counts the 50 calls on the server named by its service.name; isError results are not errors to Shinzo', async () => {
    const classified = await toolCallsClassified(instance, 50, () =>
      runAgent('plain', {
        otlpUrl: instance.intakeUrl,
        fixtureApi: 'mcp-server',
        // Shinzo appends /traces (and /metrics) to the endpoint it is given.
        shinzoEndpoint: instance.intakeUrl.replace(/\/traces$/, ''),
        toolPrefix: 'sz_',
      }),
    );
    expect(classified).toBe(50);
    // Shinzo wraps the tool handler and marks a span ERROR only when the handler throws: the 8
    // isError results are recorded as successes, so only the 5 protocol errors are errors here.
    const expected = expectedPerTool('sz_', ['protocolError']);
    await expectCounted(instance, FIXTURE_SERVER_NAME, 'sz_', expected);
    expect(await metricTotal(instance, 'budgetwatch_ingest_unattributed_calls_total')).toBe(0);
  });
});
