import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerStatus, Sparkline, StatusReport } from '@budgetwatch/api';
import type { WindowSummary } from '@budgetwatch/domain';
import { freeLoopbackPort, waitFor } from '@budgetwatch/testkit';
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpHttpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { recordAgentCalls } from '../support/agent-spans.js';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { budgetwatch } from '../support/cli.js';
import { inventoryEntry } from '../support/inventory-entries.js';
import { SseClient } from '../support/sse-client.js';

const SCREENSHOTS = join(import.meta.dirname, '../../test-output');

/**
 * The demo instance starts before every test of the file: its payments-mcp degrades 10 s into the
 * live traffic, and the other describes' tests (processes of their own) run meanwhile.
 */
let demoStarting: Promise<BudgetwatchInstance>;
let startedAt = 0;
beforeAll(() => {
  startedAt = Date.now();
  demoStarting = startBudgetwatch(['start', '--demo'], {});
  // Its failure is reported by the demo's tests, which await it.
  demoStarting.catch(() => undefined);
});
afterAll(async () => {
  await demoStarting.then(
    (instance) => instance.stop(),
    () => undefined,
  );
});

describe('budgetwatch start follows its inventory file', () => {
  it('registers a server added to the file, without a restart, in attribution and status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-live-inventory-'));
    const file = join(dir, 'inventory.yaml');
    writeFileSync(file, stringify({ servers: [inventoryEntry('docs-mcp', 1, 'docs.internal')] }));
    const instance = await startBudgetwatch(['start'], { BUDGETWATCH_INVENTORY: file });
    try {
      const send = (address: string) =>
        recordAgentCalls(new OtlpHttpProtobufExporter({ url: instance.intakeUrl }), {
          server: null,
          address,
          tool: 'lookup',
          count: 5,
          failing: 0,
        });
      await send('billing.internal');
      await waitFor(
        async () =>
          (await instance.getJson<StatusReport>('/api/v1/status')).unregistered.some(
            (entry) => entry.server === 'billing.internal',
          ),
        { description: 'billing.internal listed as unregistered', timeoutMs: 20_000 },
      );
      writeFileSync(
        file,
        stringify({
          servers: [
            inventoryEntry('docs-mcp', 1, 'docs.internal'),
            inventoryEntry('billing-mcp', 2, 'billing.internal'),
          ],
        }),
      );
      // Spans sent after the edit are attributed by the new match rule.
      const billing = await waitFor(
        async () => {
          await send('billing.internal');
          const status = await instance.getJson<StatusReport>('/api/v1/status');
          const entry = status.servers.find((candidate) => candidate.server === 'billing-mcp');
          return entry?.tools.includes('lookup') ? entry : undefined;
        },
        { description: 'billing-mcp registered, with its calls', timeoutMs: 30_000, intervalMs: 1000 },
      );
      expect(billing).toMatchObject({ registered: true, tier: 2, owner: 'ops' });
    } finally {
      await instance.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('budgetwatch start when a port is taken', () => {
  it.each([
    ['OTLP/HTTP', 'BUDGETWATCH_OTLP_PORT', /budgetwatch: listen EADDRINUSE/],
    ['OTLP/gRPC', 'BUDGETWATCH_OTLP_GRPC_PORT', /budgetwatch: OTLP\/gRPC intake on \S+: listen EADDRINUSE/],
  ])(
    'the %s port: stops what it started and exits 1 with one line naming the problem',
    async (_name, variable, line) => {
      const taken = createServer();
      taken.listen(0, '0.0.0.0');
      await once(taken, 'listening');
      try {
        const result = await budgetwatch(['start', '--demo'], {
          BUDGETWATCH_HTTP_PORT: String(await freeLoopbackPort()),
          BUDGETWATCH_OTLP_PORT: String(await freeLoopbackPort()),
          BUDGETWATCH_OTLP_GRPC_PORT: String(await freeLoopbackPort()),
          [variable]: String((taken.address() as AddressInfo).port),
        });
        expect(result.code, result.output).toBe(1);
        expect(result.output.trim().split('\n')).toHaveLength(1);
        expect(result.output).toMatch(line);
      } finally {
        taken.close();
      }
    },
  );
});

/** The README's run command without Kafka or Redis: every stage in one process, in memory. */
describe('budgetwatch start --demo on embedded defaults (no Kafka, no Redis)', () => {
  let instance: BudgetwatchInstance;

  beforeAll(async () => {
    instance = await demoStarting;
  });

  const paymentsFiring = async () => {
    const status = await instance.getJson<StatusReport>('/api/v1/status');
    const payments = status.servers.find((server) => server.server === 'payments-mcp');
    return payments?.state === 'firing' ? payments : undefined;
  };

  it('shows a firing rule for the degrading demo server on /api/v1/status within 90 s', async () => {
    const payments: ServerStatus = await waitFor(paymentsFiring, {
      description: 'payments-mcp firing in /api/v1/status',
      timeoutMs: 90_000 - (Date.now() - startedAt),
      intervalMs: 500,
    });
    const firing = payments.rules.filter((rule) => rule.state === 'firing');
    expect(firing.length).toBeGreaterThan(0);
    for (const reading of firing) {
      expect(reading.value).not.toBeNull();
      expect(reading.budgetUsed).toBeGreaterThanOrEqual(1);
    }
    expect(payments).toMatchObject({ registered: true, tier: 2, owner: 'payments' });
    expect(payments.crs?.score).toBeGreaterThan(0);

    const status = await instance.getJson<StatusReport>('/api/v1/status');
    // The healthy demo servers stay quiet, and the server missing from the inventory is listed.
    for (const server of status.servers.filter((one) => one.server !== 'payments-mcp')) {
      expect(server.state, server.server).toBe('ok');
    }
    expect(status.unregistered.map((server) => server.server)).toContain('notes-mcp');
    const { events } = await instance.getJson<{ events: { type: string; data: { server: string } }[] }>(
      '/api/v1/events?server=payments-mcp',
    );
    expect(events.map((event) => event.type)).toContain('budgetwatch.budget.breached');
  }, 95_000);

  it('serves the decisions the firing rules made: GET /api/v1/decisions and its SSE snapshot', async () => {
    await waitFor(paymentsFiring, { description: 'payments-mcp firing', timeoutMs: 90_000 });
    type Decisions = { version: number; decisions: { server: string; decisions: unknown[] }[] };
    const current = await waitFor(
      async () => {
        const answer = await instance.getJson<Decisions>('/api/v1/decisions?server=payments-mcp');
        return answer.decisions.length > 0 ? answer : undefined;
      },
      { description: 'decisions on payments-mcp', timeoutMs: 30_000 },
    );
    expect(current.version).toBeGreaterThan(0);
    for (const subject of current.decisions) expect(subject.server).toBe('payments-mcp');
    const client = await SseClient.connect(`${instance.apiUrl}/api/v1/decisions/stream?server=payments-mcp`);
    const [snapshot] = await client.waitForMessages(1);
    client.close();
    expect(snapshot?.event).toBe('snapshot');
    const streamed = JSON.parse(snapshot?.data ?? '') as Decisions;
    // Rules may have changed decisions in between: the snapshot is at least as new as the GET.
    expect(streamed.version).toBeGreaterThanOrEqual(current.version);
    if (streamed.version === current.version) expect(streamed.decisions).toEqual(current.decisions);
  }, 95_000);

  it('serves a 24h sparkline per server budget from the demo history', async () => {
    const { sparklines } = await instance.getJson<{ sparklines: Sparkline[] }>(
      '/api/v1/servers/search-mcp/sparklines',
    );
    expect(sparklines.map((line) => line.rule).sort()).toEqual([
      'fallback-activation',
      'latency-p95',
      'success-rate',
      'unexpected-policy-blocks',
    ]);
    const successRate = sparklines.find((line) => line.rule === 'success-rate');
    expect(successRate?.points).toHaveLength(24);
    // Every hour of the filled history has calls.
    expect(successRate?.points.filter((point) => point !== null).length).toBeGreaterThanOrEqual(23);
  });

  it.each([
    ['http/protobuf', (url: string) => new OtlpHttpProtobufExporter({ url })],
    ['http/json', (url: string) => new OtlpHttpJsonExporter({ url })],
  ])(
    'counts spans an OTel SDK %s exporter sends to the intake exactly in the windows',
    async (protocol, exporter) => {
      const server = `agent-${protocol.replace('/', '-')}-mcp`;
      await recordAgentCalls(exporter(instance.intakeUrl), { server, tool: 'lookup', count: 70, failing: 7 });
      const window = await waitFor(
        async () => {
          const body = await instance.getJson<{ window: WindowSummary }>(
            `/api/v1/windows?server=${server}&tool=lookup&window=1h`,
          );
          return body.window.calls === 70 ? body.window : undefined;
        },
        { description: `70 calls of ${server} in the 1h window`, timeoutMs: 20_000 },
      );
      expect(window).toMatchObject({ calls: 70, served: 70, errors: 7 });
    },
  );

  it('answers a bad OTLP payload with 400 and counts it on /metrics', async () => {
    const response = await fetch(instance.intakeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans": "not a list"}',
    });
    expect(response.status).toBe(400);
    const families = parsePrometheusTextFormat(await (await fetch(`${instance.apiUrl}/metrics`)).text());
    const rejected = families.find((family) => family.name === 'budgetwatch_intake_requests_rejected_total');
    expect(rejected?.metrics.find((sample) => sample.labels?.reason === 'bad_payload')?.value).toBe('1');
  });

  it('serves /metrics in the Prometheus text format with the pipeline counters', async () => {
    const response = await fetch(`${instance.apiUrl}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = new Map(
      parsePrometheusTextFormat(await response.text()).map((family) => [family.name, family]),
    );
    const total = (name: string) => Number(families.get(name)?.metrics[0]?.value ?? Number.NaN);
    expect(families.get('budgetwatch_ingest_records_total')?.type).toBe('COUNTER');
    expect(total('budgetwatch_ingest_records_total')).toBeGreaterThan(0);
    expect(total('budgetwatch_ingest_spans_total')).toBeGreaterThan(
      total('budgetwatch_ingest_records_total'),
    );
    expect(total('budgetwatch_evaluator_events_emitted_total')).toBeGreaterThan(0);
    // The demo's agents write semantic-conventions client spans, each named by its server.
    const byLabel = (name: string, label: string, value: string) =>
      Number(
        families.get(name)?.metrics.find((sample) => sample.labels?.[label] === value)?.value ?? Number.NaN,
      );
    expect(
      byLabel('budgetwatch_ingest_calls_by_profile_total', 'profile', 'otel-semconv-client'),
    ).toBeGreaterThan(0);
    expect(total('budgetwatch_ingest_unattributed_calls_total')).toBe(0);
    for (const reason of ['not_tool_call', 'other_perspective', 'duplicate']) {
      expect(
        byLabel('budgetwatch_ingest_spans_not_counted_total', 'reason', reason),
        reason,
      ).toBeGreaterThanOrEqual(0);
    }
    expect(families.get('budgetwatch_ingest_consumer_lag')?.type).toBe('GAUGE');
    for (const histogram of ['budgetwatch_ingest_batch_duration', 'budgetwatch_evaluator_pass_duration']) {
      expect(families.get(histogram)?.type, histogram).toBe('HISTOGRAM');
      // Every observation falls in the +Inf bucket: its count is the histogram's count.
      expect(Number(families.get(histogram)?.metrics[0]?.buckets?.['+Inf']), histogram).toBeGreaterThan(0);
    }
    expect(await instance.getJson('/readyz')).toEqual({ status: 'ready', checks: {} });
  });

  it('the dashboard shows the firing server as firing, with its value (headless Chromium)', async () => {
    await waitFor(paymentsFiring, { description: 'payments-mcp firing', timeoutMs: 60_000 });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
      // Every status report the page received: it renders one of them, whichever refresh is last.
      const received: Promise<StatusReport>[] = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === '/api/v1/status') received.push(response.json());
      });
      await page.goto(`${instance.apiUrl}/`);
      const card = page.locator('#matrix tr.server[data-server="payments-mcp"]');
      await card.and(page.locator('[data-state="firing"]')).waitFor({ timeout: 20_000 });
      await expect(card.locator('td.overall').textContent()).resolves.toBe('▲ firing');
      const row = card.locator('td.rule[data-state="firing"]').first();
      const [rule, tool, scope] = await Promise.all(
        ['data-rule', 'data-tool', 'data-scope'].map((name) => row.getAttribute(name)),
      );
      const shown = (await row.locator('.value').textContent()) ?? '';
      // The value as the dashboard formats it from a report it received: exactly, whenever it
      // refreshed.
      const formatted = (await Promise.all(received)).flatMap((report) =>
        (report.servers.find((server) => server.server === 'payments-mcp')?.rules ?? [])
          .filter(
            (reading) =>
              reading.rule === rule && (scope === 'server' ? reading.tool === null : reading.tool === tool),
          )
          .map((reading) =>
            reading.value === null
              ? '–'
              : reading.unit === 'ms'
                ? `${Math.round(reading.value)} ms`
                : `${(reading.value * 100).toFixed(1)}%`,
          ),
      );
      expect(shown).toMatch(/^\d+ ms$|^\d+\.\d%$/);
      expect(formatted).toContain(shown);
      await expect(
        page.locator('#matrix tr.server[data-server="weather-mcp"]').getAttribute('data-state'),
      ).resolves.toBe('ok');
      await expect(
        page.locator('#matrix tr.server[data-server="payments-mcp"]').getAttribute('data-tier'),
      ).resolves.toBe('2');
      await expect(page.locator('#unregistered li[data-server="notes-mcp"]').count()).resolves.toBe(1);
      await expect(page.locator('#events tbody tr').count()).resolves.toBeGreaterThan(0);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await instance.stop()).toBe(0);
    expect(instance.output()).toContain('"msg":"stopped"');
  });
});
