import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusReport } from '@budgetwatch/api';
import type { CoverageReport } from '@budgetwatch/domain';
import { waitFor } from '@budgetwatch/testkit';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { sendCapture } from '../support/capture-replay.js';
import { budgetwatchInProcess } from '../support/cli.js';
import { EXPECTED_MIX_COVERAGE, sendCoverageMix, withoutTimes } from '../support/coverage-mix.js';

const SCREENSHOTS = join(import.meta.dirname, '../../test-output');
const dir = mkdtempSync(join(tmpdir(), 'bw-coverage-'));
const instances: BudgetwatchInstance[] = [];
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(configYaml?: string): Promise<BudgetwatchInstance> {
  const env: Record<string, string> = {};
  if (configYaml !== undefined) {
    const file = join(dir, `config-${instances.length}.yaml`);
    writeFileSync(file, configYaml);
    env.BUDGETWATCH_CONFIG = file;
  }
  const instance = await startBudgetwatch(['start'], env);
  instances.push(instance);
  return instance;
}

/** The report once the process has counted `spans` spans. */
function coverageAt(instance: BudgetwatchInstance, spans: number): Promise<CoverageReport> {
  return waitFor(
    async () => {
      const report = await instance.getJson<CoverageReport>('/api/v1/coverage');
      return report.totals.spans >= spans ? report : undefined;
    },
    { description: `coverage of ${spans} spans`, timeoutMs: 20_000 },
  );
}

describe('telemetry coverage on embedded defaults (budgetwatch start, no Kafka, no Redis)', () => {
  let mixed: BudgetwatchInstance | undefined;

  it('reports a known mix exactly in the API, the CLI and /metrics, and keeps (unattributed) out of the unregistered servers', async () => {
    const instance = await start();
    mixed = instance;
    await sendCoverageMix(instance.intakeUrl);
    const report = await coverageAt(instance, 18);
    expect(withoutTimes(report)).toEqual(EXPECTED_MIX_COVERAGE);
    // Attribute keys only: the Traceloop input attribute's value is nowhere.
    expect(JSON.stringify(report)).not.toContain('secret prompt');

    const status = await instance.getJson<StatusReport>('/api/v1/status');
    expect(status.unregistered.map((server) => server.server)).toEqual(['docs.internal']);

    const families = new Map(
      parsePrometheusTextFormat(await (await fetch(`${instance.apiUrl}/metrics`)).text()).map((family) => [
        family.name,
        family,
      ]),
    );
    const total = (name: string) => Number(families.get(name)?.metrics[0]?.value);
    expect(total('budgetwatch_ingest_calls_without_status_total')).toBe(2);
    expect(total('budgetwatch_ingest_look_alike_spans_total')).toBe(1);
    expect(total('budgetwatch_ingest_unattributed_calls_total')).toBe(3);

    const port = new URL(instance.apiUrl).port;
    const json = await budgetwatchInProcess(['coverage', '--json'], { BUDGETWATCH_HTTP_PORT: port });
    expect(json.code, json.output).toBe(0);
    expect(withoutTimes(JSON.parse(json.output) as CoverageReport)).toEqual(EXPECTED_MIX_COVERAGE);
    const text = await budgetwatchInProcess(['coverage', '--url', instance.apiUrl]);
    expect(text.code, text.output).toBe(0);
    expect(text.output).toContain(
      'agent-a: 11 spans, 9 calls counted (otel-semconv-client 6, traceloop-mcp 3), 3 unattributed, 2 without a status; not counted: end_before_start 1, not_tool_call 1; 1 look like tool calls',
    );
    expect(text.output).toContain(
      'docs.internal: 6 calls (otel-semconv-client 6), 1 without a status, 0 duplicate spans',
    );
    expect(text.output).toContain('calls without attribution (no server named): 3\n  lookup: 3\n');
    expect(text.output).toMatch(
      / {2}tools\/list \(client, source agent-a, 1 span, last [^)]+\): an MCP request other than tools\/call\n {4}keys: mcp\.method\.name\n/,
    );
  }, 60_000);

  it('on the Traceloop capture: names the Traceloop profile while it is disabled; once enabled, every call counts', async () => {
    const [disabled, enabled] = await Promise.all([
      start('recognition:\n  disabled: [traceloop-mcp]\n'),
      start(),
    ]);
    await Promise.all([sendCapture(disabled.intakeUrl), sendCapture(enabled.intakeUrl)]);

    const before = await coverageAt(disabled, 9);
    expect(before.totals).toMatchObject({
      spans: 9,
      calls: 2,
      callsByProfile: { 'vercel-ai-sdk': 1, 'otel-semconv-client': 1 },
      looksLikeToolCalls: 3,
    });
    expect(
      before.looksLikeToolCalls
        .filter((example) => example.builtInProfile === 'traceloop-mcp')
        .map((example) => [example.source, example.spanName, example.attributeKeys])
        .sort(),
    ).toEqual([
      ['research-agent', 'fetch_page.tool', ['traceloop.entity.name', 'traceloop.span.kind']],
      [
        'research-agent',
        'search_docs.tool',
        ['traceloop.entity.input', 'traceloop.entity.name', 'traceloop.span.kind'],
      ],
    ]);
    const text = await budgetwatchInProcess(['coverage', '--url', disabled.apiUrl]);
    expect(text.output).toContain(
      'enable the built-in profile traceloop-mcp (remove it from recognition.disabled)',
    );

    const after = await coverageAt(enabled, 9);
    expect(after.totals).toMatchObject({
      spans: 9,
      calls: 3,
      callsByProfile: { 'traceloop-mcp': 2, 'otel-semconv-client': 1 },
      notCounted: { not_tool_call: 4, duplicate: 1, other_perspective: 1 },
      unattributed: 2,
      looksLikeToolCalls: 1,
    });
    expect(after.looksLikeToolCalls.map((example) => [example.spanName, example.builtInProfile])).toEqual([
      ['tools/list.mcp', undefined],
    ]);
    expect(after.unattributed.tools).toEqual([
      { tool: 'fetch_page', calls: 1 },
      { tool: 'search_docs', calls: 1 },
    ]);
  }, 90_000);

  it('the dashboard shows the coverage section: sources, servers, unattributed tools, look-alike keys (headless Chromium)', async () => {
    if (mixed === undefined) throw new Error('the mix test did not start its instance');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
          errors.push(message.text());
      });
      page.on('response', (response) => {
        const path = new URL(response.url()).pathname;
        if (response.status() >= 400 && path !== '/favicon.ico') errors.push(`${path}: ${response.status()}`);
      });
      await page.goto(`${mixed.apiUrl}/`);
      const section = page.locator('#coverage-section');
      await section.locator('tr[data-source="agent-a"]').waitFor({ timeout: 20_000 });
      await expect(section.isVisible()).resolves.toBe(true);
      await expect(section.locator('tr[data-source="agent-a"] td').allTextContents()).resolves.toEqual([
        'agent-a',
        '11',
        '9 (otel-semconv-client 6, traceloop-mcp 3)',
        'end_before_start 1, not_tool_call 1',
        '3',
        '2',
        '1',
      ]);
      await expect(section.locator('tr[data-server="docs.internal"] td').allTextContents()).resolves.toEqual([
        'docs.internal',
        '6 (otel-semconv-client 6)',
        '1',
        '0',
      ]);
      await expect(section.locator('#coverage-unattributed li').allTextContents()).resolves.toEqual([
        'lookup: 3',
      ]);
      const lookAlike = (await section.locator('#coverage-look-alikes li').allTextContents()).join('\n');
      expect(lookAlike).toContain('tools/list (client, source agent-a, 1 span)');
      expect(lookAlike).toContain('keys: mcp.method.name');
      await expect(page.content()).resolves.not.toContain('secret prompt');
      // The strict CSP lets the section's own module run: nothing was refused.
      expect(errors).toEqual([]);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await section.screenshot({ path: join(SCREENSHOTS, 'dashboard-coverage.png') });
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('budgetwatch coverage against an API with a read token', () => {
  const token = 'coverage-read-token-0123456789';

  it('sends the read token it is configured with; without it, the API refuses', async () => {
    const instance = await startBudgetwatch(['start'], { BUDGETWATCH_API_READ_TOKEN: token });
    try {
      const refused = await budgetwatchInProcess(['coverage', '--url', instance.apiUrl]);
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('HTTP 401');
      const read = await budgetwatchInProcess(['coverage', '--json', '--url', instance.apiUrl], {
        BUDGETWATCH_API_READ_TOKEN: token,
      });
      expect(read.code, read.output).toBe(0);
      expect(JSON.parse(read.output)).toHaveProperty('totals');
    } finally {
      await instance.stop();
    }
  }, 60_000);
});

describe('budgetwatch coverage without a running start', () => {
  it('exits 1 with one line saying it cannot reach the API', async () => {
    const result = await budgetwatchInProcess(['coverage', '--url', 'http://127.0.0.1:1']);
    expect(result.code).toBe(1);
    expect(result.output.trim().split('\n')).toHaveLength(1);
    expect(result.output).toContain('cannot reach http://127.0.0.1:1 (is budgetwatch start running?)');
  });
});
