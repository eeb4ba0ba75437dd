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
import { callMix } from '../support/instrumented-agents/call-mix.js';
import { describeProfileRuns } from '../support/instrumented-agents/profile-run-tests.js';
import {
  inventoryByServiceName,
  PROFILE_RUNS,
  TWO_INSTRUMENTATIONS,
} from '../support/instrumented-agents/profile-runs.js';
import { runAgent } from '../support/instrumented-agents/run-agent.js';
import { inventoryEntry } from '../support/inventory-entries.js';

/**
 * The real instrumentation packages drive their spans into a real `budgetwatch start` on embedded
 * defaults (client perspective, the built-in recognition profiles), and the 2h and 24h windows
 * hold exactly the 50 calls of the mix per run, with the errors each package can report.
 */

/** The tool names the inventory attributes to docs-mcp in the stdio attribution test. */
const INVENTORIED_PREFIX = 'inv_';
const INVENTORIED_TOOLS = [...new Set(callMix(INVENTORIED_PREFIX).map((call) => call.tool))];

let instance: BudgetwatchInstance;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-agents-'));
  const inventory = join(dir, 'inventory.yaml');
  const byToolNames = {
    ...inventoryEntry('docs-mcp', 2, 'unused.invalid'),
    match: [{ attribute: 'traceloop.entity.name', oneOf: INVENTORIED_TOOLS }],
  };
  const servers = [...inventoryByServiceName([...PROFILE_RUNS, TWO_INSTRUMENTATIONS]), byToolNames];
  writeFileSync(inventory, stringify({ servers }));
  instance = await startBudgetwatch(['start'], { BUDGETWATCH_INVENTORY: inventory });
});

afterAll(async () => {
  await instance?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describeProfileRuns('embedded defaults', () => instance);

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
