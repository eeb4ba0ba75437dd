import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATUS_PAGE_MAX_SERIES, type StatusPage } from '@budgetwatch/api';
import { waitFor } from '@budgetwatch/testkit';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { inventoryEntry } from '../support/inventory-entries.js';
import { manyToolExports } from '../support/many-tool-spans.js';
import { readWholeStatusReport } from '../support/status-pages.js';

/**
 * The overview with 500 registered servers and 5,000 tools (generated): drawn within 2 s of the
 * navigation in headless Chromium, as measured by the page itself (the `overview-rendered`
 * performance mark), while every status page the API answers stays bounded.
 */
const SERVERS = 500;
const TOOLS = 5000;
const RENDER_BOUND_MS = 2000;
/** Rows the matrix shows at a time (overview.js ROWS_PER_PAGE). */
const ROWS_PER_PAGE = 50;

const dir = mkdtempSync(join(tmpdir(), 'bw-dashboard-load-'));
let instance: BudgetwatchInstance;
let browser: Browser;

beforeAll(async () => {
  const inventory = join(dir, 'inventory.yaml');
  const servers = Array.from({ length: SERVERS }, (_, n) => ({
    ...inventoryEntry(`load-${n}-mcp`, n % 3, `load-${n}.internal`),
    owner: { team: `team-${n % 7}`, email: null, slackChannel: null },
    // Spans name the server (mcp.server.name): the id is the name, no match rule needed.
    match: [],
  }));
  writeFileSync(inventory, stringify({ servers }));
  instance = await startBudgetwatch(['start'], {
    BUDGETWATCH_INVENTORY: inventory,
    BUDGETWATCH_LOG_LEVEL: 'warn',
    // Every tool its own series (embedded defaults cap them at 300).
    BUDGETWATCH_MAX_TOOL_SERIES: String(TOOLS),
  });
  for (const body of manyToolExports({ tools: TOOLS, servers: SERVERS, perExport: 1000 })) {
    const response = await fetch(instance.intakeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status, await response.text()).toBe(200);
  }
  await waitFor(
    async () => {
      const report = await readWholeStatusReport((path) => instance.getJson(path), 500);
      const listed = report.servers.reduce((sum, server) => sum + server.tools.length, 0);
      return listed === TOOLS;
    },
    { description: `the ${TOOLS} tools listed in the status report`, timeoutMs: 120_000, intervalMs: 1000 },
  );
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await instance?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`the overview with ${SERVERS} servers and ${TOOLS} tools`, () => {
  it(`renders within ${RENDER_BOUND_MS} ms in the browser, one page of rows, from bounded API answers`, async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const statusPages: Promise<{ bytes: number; page: StatusPage }>[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/v1/status') {
        statusPages.push(
          response.body().then((body) => ({ bytes: body.byteLength, page: JSON.parse(body.toString()) })),
        );
      }
    });
    await page.goto(`${instance.apiUrl}/`);
    const renderedMs = await waitFor(
      async () =>
        page.evaluate(
          () => performance.getEntriesByName('overview-rendered')[0]?.startTime as number | undefined,
        ),
      { description: 'the overview-rendered mark', timeoutMs: 30_000, intervalMs: 100 },
    );
    console.info(
      `overview of ${SERVERS} servers / ${TOOLS} tools rendered ${Math.round(renderedMs)} ms after navigation`,
    );
    expect(renderedMs).toBeLessThan(RENDER_BOUND_MS);
    await expect(page.locator('#matrix').getAttribute('data-rows')).resolves.toBe(String(SERVERS));
    await expect(page.locator('#matrix tbody tr.server').count()).resolves.toBe(ROWS_PER_PAGE);
    await expect(page.locator('#page-position').textContent()).resolves.toBe(
      `1–${ROWS_PER_PAGE} of ${SERVERS}`,
    );
    // Tier 2 first (nothing fires, nothing is unregistered), and a filter narrows all 500.
    await expect(page.locator('#matrix tbody tr.server').first().getAttribute('data-tier')).resolves.toBe(
      '2',
    );
    await page.selectOption('#filter-owner', 'team-3');
    await expect(page.locator('#matrix').getAttribute('data-rows')).resolves.toBe(
      String(Array.from({ length: SERVERS }, (_, n) => n % 7).filter((team) => team === 3).length),
    );

    const answers = await Promise.all(statusPages);
    expect(answers.length).toBeGreaterThan(1);
    for (const { bytes, page: answer } of answers) {
      const series = answer.servers.reduce((sum, server) => sum + 1 + server.tools.length, 0);
      // A page ends after the server that takes it past the series bound.
      expect(series).toBeLessThanOrEqual(STATUS_PAGE_MAX_SERIES + 11);
      expect(bytes).toBeLessThan(8 * 1024 * 1024);
    }
    await page.close();
  }, 60_000);
});
