import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleReading, SeriesHistory, ServerStatus, StatusReport } from '@budgetwatch/api';
import { waitFor } from '@budgetwatch/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { distinctColours } from '../support/screenshot-colours.js';

/**
 * The dashboard's two pages on the demo (`budgetwatch start --demo`, embedded defaults), in
 * headless Chromium under the API's strict CSP: the overview matrix, and payments-mcp's page with
 * its charts, markers and silences. Screenshots go to test-output/.
 */
const SCREENSHOTS = join(import.meta.dirname, '../../test-output');
const WRITE_TOKEN = 'dashboard-pages-write-token-0123456789';

interface StoredEvent {
  id: string;
  type: string;
  time: string;
  data: { server: string; tool: string | null; rule: string; drill?: boolean };
}

let instance: BudgetwatchInstance;
let browser: Browser;

beforeAll(async () => {
  instance = await startBudgetwatch(['start', '--demo'], { BUDGETWATCH_API_TOKEN: WRITE_TOKEN });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  // payments-mcp degrades 10 s into the live traffic: a rule fires within a minute or so.
  await waitFor(
    async () =>
      (await instance.getJson<StatusReport>('/api/v1/status')).servers.find(
        (server) => server.server === 'payments-mcp',
      )?.state === 'firing',
    { description: 'payments-mcp firing', timeoutMs: 90_000, intervalMs: 500 },
  );
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await instance?.stop();
});

/** A page that records every CSP refusal and script error. */
async function dashboardPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  return { page, problems };
}

/** A full-page screenshot saved under test-output/, checked to hold a drawn page. */
async function screenshot(page: Page, file: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(SCREENSHOTS, file), png);
  expect(await distinctColours(browser, png)).toBeGreaterThan(50);
}

function formatted(reading: RuleReading): string {
  if (reading.value === null) return '–';
  return reading.unit === 'ms' ? `${Math.round(reading.value)} ms` : `${(reading.value * 100).toFixed(1)}%`;
}

describe('the overview', () => {
  it('lists payments-mcp first, firing, with the value the API reports; sorts and filters', async () => {
    const { page, problems } = await dashboardPage();
    const received: Promise<StatusReport>[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/v1/status') received.push(response.json());
    });
    await page.goto(`${instance.apiUrl}/`);
    const first = page.locator('#matrix tbody tr.server').first();
    await first.and(page.locator('[data-server="payments-mcp"][data-state="firing"]')).waitFor({
      timeout: 20_000,
    });
    await expect(first.locator('td.overall').textContent()).resolves.toBe('▲ firing');
    const cell = first.locator('td.rule[data-state="firing"]').first();
    const [rule, tool, scope] = await Promise.all(
      ['data-rule', 'data-tool', 'data-scope'].map((name) => cell.getAttribute(name)),
    );
    const shown = (await cell.locator('.value').textContent()) ?? '';
    expect(shown).toMatch(/^\d+ ms$|^\d+\.\d%$/);
    // The value of a reading the API reported for that rule and series, whichever refresh is shown.
    const reported = (await Promise.all(received)).flatMap((report) =>
      (report.servers.find((server) => server.server === 'payments-mcp')?.rules ?? [])
        .filter(
          (reading) =>
            reading.rule === rule &&
            reading.state === 'firing' &&
            (scope === 'server' ? reading.tool === null : reading.tool === tool),
        )
        .map(formatted),
    );
    expect(reported).toContain(shown);
    // Every demo server is a row; the unregistered one comes right after the firing one.
    await expect(page.locator('#matrix tbody tr.server').count()).resolves.toBe(6);
    await expect(page.locator('#matrix tbody tr.server').nth(1).getAttribute('data-server')).resolves.toBe(
      'notes-mcp',
    );
    // The decisions column shows what GET /api/v1/decisions holds for the server, kind by kind.
    await expect(page.locator('#matrix thead th').last().textContent()).resolves.toBe('decisions');
    const apiKinds = async () => {
      const answer = await instance.getJson<{ decisions: { decisions: { kind: string }[] }[] }>(
        '/api/v1/decisions?server=payments-mcp',
      );
      return [...new Set(answer.decisions.flatMap((subject) => subject.decisions.map((one) => one.kind)))]
        .sort()
        .join(' ');
    };
    await waitFor(
      async () => {
        const shown = (await first.locator('td.decisions').getAttribute('data-decisions')) ?? '';
        const kinds = await apiKinds();
        return kinds !== '' && shown.split(' ').sort().join(' ') === kinds;
      },
      { description: "payments-mcp's decisions as the API reports them", timeoutMs: 20_000, intervalMs: 250 },
    );

    await screenshot(page, 'dashboard-overview.png');

    await page.selectOption('#filter-tier', '0');
    await expect(page.locator('#matrix tbody tr.server').count()).resolves.toBe(1);
    await expect(page.locator('#matrix tbody tr.server').getAttribute('data-server')).resolves.toBe(
      'weather-mcp',
    );
    await page.selectOption('#filter-tier', '');
    await page.selectOption('#filter-state', 'ok');
    await expect(page.locator('#matrix tbody tr[data-state="firing"]').count()).resolves.toBe(0);
    await page.selectOption('#filter-state', '');
    await page.click('#matrix thead button[data-sort="server"]');
    const names = await page
      .locator('#matrix tbody tr.server')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-server')));
    expect(names).toEqual([...names].sort());
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});

describe("payments-mcp's page", () => {
  it('charts each rule up to the value the API reads now, with a breach marker at the event time', async () => {
    const { events } = await instance.getJson<{ events: StoredEvent[] }>(
      '/api/v1/events?server=payments-mcp&limit=1000',
    );
    const breach = events.find((event) => event.type === 'budgetwatch.budget.breached' && !event.data.drill);
    if (breach === undefined) throw new Error('no breach of payments-mcp in the event history');
    const { page, problems } = await dashboardPage();
    const histories: Promise<SeriesHistory>[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/v1/servers/payments-mcp/history')
        histories.push(response.json());
    });
    await page.goto(`${instance.apiUrl}/#/server/payments-mcp`);
    await page.locator('#tools tbody tr').first().waitFor({ timeout: 20_000 });
    if (breach.data.tool !== null) {
      await page.locator(`#tools tbody tr[data-tool="${breach.data.tool}"] button`).click();
    }
    const chart = page.locator(`figure.chart[data-rule="${breach.data.rule}"]`);
    const marker = chart.locator(`li[data-kind="breach"][data-time="${Date.parse(breach.time)}"]`);
    await marker.waitFor({ timeout: 20_000 });
    await expect(page.locator('#tools tr[aria-current="true"]').getAttribute('data-tool')).resolves.toBe(
      breach.data.tool ?? '',
    );
    // The chart drawn is the last history the page received for that series.
    const generatedAt = await page.locator('#charts').getAttribute('data-generated-at');
    const history = (await Promise.all(histories)).find(
      (one) => one.generatedAt === generatedAt && one.tool === breach.data.tool,
    );
    const drawn = history?.rules.find((one) => one.rule === breach.data.rule);
    if (drawn === undefined) throw new Error('the drawn history was not among the responses');
    expect(drawn.times).toHaveLength(drawn.windowMs === 86_400_000 ? 288 : 120);
    // Its last point is the rule's window value the API reads at that instant, and is drawn.
    expect(drawn.values.at(-1)).toBe(drawn.reading.value);
    expect(drawn.reading.value).not.toBeNull();
    await expect(chart.getAttribute('data-last-value')).resolves.toBe(String(drawn.values.at(-1)));
    await expect(chart.getAttribute('data-last-time')).resolves.toBe(String(drawn.times.at(-1)));
    await expect(chart.locator('canvas').count()).resolves.toBeGreaterThan(0);
    // The breach is inside the charted span.
    expect(Date.parse(breach.time)).toBeGreaterThanOrEqual(drawn.times[0] ?? Number.NaN);
    // The API's own reading of that series and rule agrees with the chart's caption unit and state.
    const status = await instance.getJson<ServerStatus>('/api/v1/servers/payments-mcp');
    const reading = status.rules.find(
      (one) => one.rule === breach.data.rule && one.tool === breach.data.tool,
    );
    expect(reading?.unit).toBe(drawn.unit);

    // The cards: inventory, CRS and the event with what became of its notifications.
    await expect(page.locator('#inventory-card dd').first().textContent()).resolves.toBe('Payments refunds');
    await expect(page.locator('#crs-card').textContent()).resolves.toMatch(/CRS \d+\.\d/);
    await page.locator(`#notifications tr[data-event="${breach.id}"]`).waitFor({ timeout: 10_000 });

    await screenshot(page, 'dashboard-server.png');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('creates a silence (asking for the API token) that GET /api/v1/silences lists, and expires it', async () => {
    const { page, problems } = await dashboardPage();
    await page.goto(`${instance.apiUrl}/#/server/payments-mcp`);
    await page.locator('#tools tbody tr').first().waitFor({ timeout: 20_000 });
    await page.selectOption('#silence-tool', 'refunds.create');
    await page.selectOption('#silence-rule', 'latency-p95');
    await page.selectOption('#silence-duration', '14400000');
    await page.fill('#silence-author', 'dashboard test');
    await page.fill('#silence-comment', 'known slow refunds, vendor paged');
    await page.click('#silence-form button[type="submit"]');
    // No token yet: the page asks for it; a wrong one is refused.
    await page.locator('#write-token-form').waitFor({ state: 'visible', timeout: 10_000 });
    await page.fill('#write-token', 'not-the-api-token-at-all');
    await page.click('#write-token-form button');
    await page.click('#silence-form button[type="submit"]');
    await page.locator('#write-token-refused').waitFor({ state: 'visible', timeout: 10_000 });
    const before = await instance.getJson<{ silences: unknown[] }>('/api/v1/silences');
    expect(before.silences).toEqual([]);
    await page.fill('#write-token', WRITE_TOKEN);
    await page.click('#write-token-form button');
    const startedAt = Date.now();
    await page.click('#silence-form button[type="submit"]');
    const row = page.locator('#silences tbody tr[data-state="active"]');
    await row.waitFor({ timeout: 10_000 });
    const id = await row.getAttribute('data-silence');
    const { silences } = await instance.getJson<{
      silences: { id: string; matchers: object; endsAt: string; createdBy: string; comment: string }[];
    }>('/api/v1/silences');
    expect(silences).toHaveLength(1);
    expect(silences[0]).toMatchObject({
      id,
      matchers: { server: 'payments-mcp', tool: 'refunds.create', rule: 'latency-p95' },
      createdBy: 'dashboard test',
      comment: 'known slow refunds, vendor paged',
    });
    const hours = (Date.parse(silences[0]?.endsAt ?? '') - startedAt) / 3_600_000;
    expect(hours).toBeGreaterThan(3.9);
    expect(hours).toBeLessThan(4.1);

    await row.locator('button').click();
    await page.locator(`#silences tbody tr[data-silence="${id}"][data-state="expired"]`).waitFor({
      timeout: 10_000,
    });
    const after = await instance.getJson<{ silences: { id: string; state: string }[] }>('/api/v1/silences');
    expect(after.silences.find((silence) => silence.id === id)?.state).toBe('expired');
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
