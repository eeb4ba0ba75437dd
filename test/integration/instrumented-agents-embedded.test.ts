import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusReport } from '@budgetwatch/api';
import { UNATTRIBUTED_SERVER } from '@budgetwatch/domain';
import { waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  expectCounted,
  expectedPerTool,
  metricTotal,
  toolCallsClassified,
} from '../support/instrumented-agents/budgetwatch-counts.js';
import { type CallOutcome, callMix } from '../support/instrumented-agents/call-mix.js';
import { type AgentName, type AgentOptions, runAgent } from '../support/instrumented-agents/run-agent.js';
import { inventoryEntry } from '../support/inventory-entries.js';

/**
 * The real instrumentation packages drive their spans into a real `budgetwatch start` on embedded
 * defaults (client perspective, the built-in recognition profiles), and the 2h and 24h windows
 * hold exactly the 50 calls of the mix per run, with the errors each package can report. Each run
 * has a service.name of its own, which the inventory maps to a server: none of these packages
 * names the MCP server on its spans.
 */

/** Per run: the agent, its options, the inventory server its service.name maps to. */
const RUNS = {
  traceloopStdio: { agent: 'traceloop', server: 'traceloop-stdio-mcp', options: { transport: 'stdio' } },
  traceloopHttp: { agent: 'traceloop', server: 'traceloop-http-mcp', options: { transport: 'http' } },
  aiSdk: { agent: 'aiSdk', server: 'ai-sdk-mcp', options: {} },
  aiSdkLegacy: { agent: 'aiSdk', server: 'ai-sdk-legacy-mcp', options: { aiSdkTelemetry: 'legacy' } },
  langchain: { agent: 'langchain', server: 'langchain-mcp', options: {} },
  twoInstrumentations: { agent: 'langchainWithTraceloop', server: 'two-instrumentations-mcp', options: {} },
} satisfies Record<string, { agent: AgentName; server: string; options: Omit<AgentOptions, 'otlpUrl'> }>;

/** The tool names the inventory attributes to docs-mcp in the stdio attribution test. */
const INVENTORIED_PREFIX = 'inv_';
const INVENTORIED_TOOLS = [...new Set(callMix(INVENTORIED_PREFIX).map((call) => call.tool))];

let instance: BudgetwatchInstance;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-agents-'));
  const inventory = join(dir, 'inventory.yaml');
  const byServiceName = Object.entries(RUNS).map(([run, { server }]) => ({
    ...inventoryEntry(server, 2, 'unused.invalid'),
    match: [{ attribute: 'service.name', on: 'resource', equals: `${run}-agent` }],
  }));
  const byToolNames = {
    ...inventoryEntry('docs-mcp', 2, 'unused.invalid'),
    match: [{ attribute: 'traceloop.entity.name', oneOf: INVENTORIED_TOOLS }],
  };
  writeFileSync(inventory, stringify({ servers: [...byServiceName, byToolNames] }));
  instance = await startBudgetwatch(['start'], { BUDGETWATCH_INVENTORY: inventory });
});

afterAll(async () => {
  await instance?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one agent into Budgetwatch; returns how many tool calls the ingest classified from it. */
function runInto(run: keyof typeof RUNS, prefix: string): Promise<number> {
  const { agent, options } = RUNS[run];
  return toolCallsClassified(instance, 50, () =>
    runAgent(agent, {
      ...options,
      otlpUrl: instance.intakeUrl,
      serviceName: `${run}-agent`,
      toolPrefix: prefix,
    }),
  );
}

/** Per run: what it shows, its tool prefix, and which outcomes the package reports as errors. */
const EXACT_COUNTS: { run: keyof typeof RUNS; prefix: string; errors: CallOutcome[]; title: string }[] = [
  {
    run: 'traceloopStdio',
    prefix: 'tls_',
    errors: ['isError', 'protocolError'],
    title: 'Traceloop over stdio: 13 errors (isError and protocol errors both set status ERROR)',
  },
  {
    run: 'traceloopHttp',
    prefix: 'tlh_',
    errors: ['isError', 'protocolError'],
    title: 'Traceloop over Streamable HTTP: the same; the spans still carry no server.address',
  },
  {
    run: 'aiSdk',
    prefix: 'ai_',
    errors: ['protocolError'],
    title:
      'AI SDK with @ai-sdk/otel (execute_tool spans): 5 errors; an isError result is no error to the AI SDK',
  },
  {
    run: 'aiSdkLegacy',
    prefix: 'ail_',
    errors: ['protocolError'],
    title: 'AI SDK with LegacyOpenTelemetry (ai.toolCall spans): 5 errors',
  },
  {
    run: 'langchain',
    prefix: 'lc_',
    errors: ['isError', 'protocolError'],
    title: 'OpenInference LangChain TOOL spans: 13 errors (the MCP adapters throw on isError)',
  },
];

describe('each built-in profile counts the real package exactly (embedded defaults)', () => {
  it.each(EXACT_COUNTS)('$title', async ({ run, prefix, errors }) => {
    expect(await runInto(run, prefix)).toBe(50);
    await expectCounted(instance, RUNS[run].server, prefix, expectedPerTool(prefix, errors));
  });
});

describe('one call counts once', () => {
  it('LangChain TOOL spans and Traceloop MCP spans of the same calls on one agent: 50 calls', async () => {
    const classified = await runInto('twoInstrumentations', 'two_');
    await expectCounted(
      instance,
      'two-instrumentations-mcp',
      'two_',
      expectedPerTool('two_', ['isError', 'protocolError']),
    );
    expect(classified).toBe(50);
  });
});

describe('a stdio agent: no server attribute on its spans', () => {
  it('lands on the inventory server that matches its tool names; unmatched, it is unattributed and fires no server rule', async () => {
    // The same agent twice at once: its tools named as the inventory's match rule lists them, and not.
    const classified = await toolCallsClassified(instance, 100, () =>
      Promise.all([
        runAgent('traceloop', {
          otlpUrl: instance.intakeUrl,
          serviceName: 'stdio-agent',
          toolPrefix: INVENTORIED_PREFIX,
        }),
        runAgent('traceloop', {
          otlpUrl: instance.intakeUrl,
          serviceName: 'unlisted-agent',
          toolPrefix: 'noinv_',
        }),
      ]),
    );
    expect(classified).toBe(100);
    await expectCounted(
      instance,
      'docs-mcp',
      INVENTORIED_PREFIX,
      expectedPerTool(INVENTORIED_PREFIX, ['isError', 'protocolError']),
    );
    await expectCounted(
      instance,
      UNATTRIBUTED_SERVER,
      'noinv_',
      expectedPerTool('noinv_', ['isError', 'protocolError']),
    );
    expect(await metricTotal(instance, 'budgetwatch_ingest_unattributed_calls_total')).toBe(50);

    // 37 of 50 succeed: docs-mcp's server-scoped success-rate rule fires. The evaluator has then
    // passed over the unattributed calls too, written at the same time: with the same 50 calls
    // and errors they have no server-scoped reading, state or event.
    await waitFor(
      async () => {
        const status = await instance.getJson<StatusReport>('/api/v1/status');
        const docs = status.servers.find((server) => server.server === 'docs-mcp');
        return docs?.rules.some((reading) => reading.scope === 'server' && reading.state === 'firing');
      },
      { description: "docs-mcp's server rule firing", timeoutMs: 30_000 },
    );
    const status = await instance.getJson<StatusReport>('/api/v1/status');
    const unattributed = [...status.servers, ...status.unregistered].find(
      (server) => server.server === UNATTRIBUTED_SERVER,
    );
    expect(unattributed?.rules.filter((reading) => reading.scope === 'server') ?? []).toEqual([]);
    expect(unattributed?.state ?? 'ok').not.toBe('firing');
    const { events } = await instance.getJson<{ events: { data: { scope: string } }[] }>(
      `/api/v1/events?server=${encodeURIComponent(UNATTRIBUTED_SERVER)}`,
    );
    // No budget breach, CRS halt or unregistered-server notice for it.
    expect(events.filter((event) => event.data.scope === 'server')).toEqual([]);
  });
});
