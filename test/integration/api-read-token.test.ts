import type { StatusPage } from '@budgetwatch/api';
import { waitFor } from '@budgetwatch/testkit';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAgentCalls } from '../support/agent-spans.js';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { budgetwatchInProcess } from '../support/cli.js';

/**
 * The read API names owners, their emails, kill-switch owners and recovery checklists: with
 * BUDGETWATCH_API_READ_TOKEN set, reading it takes the token (docs/operations.md, "Security"),
 * the dashboard included, while probes stay open.
 */
const READ_TOKEN = 'read-token-of-the-operators-01';
const WRITE_TOKEN = 'write-token-of-the-operators-1';

const READ_PATHS = [
  '/api/v1/status',
  '/api/v1/servers',
  '/api/v1/servers/reader-mcp',
  '/api/v1/servers/reader-mcp/sparklines',
  '/api/v1/series',
  '/api/v1/windows?server=reader-mcp',
  '/api/v1/rules',
  '/api/v1/events',
  '/api/v1/notifications',
  '/api/v1/crs',
  '/api/v1/silences',
];

let instance: BudgetwatchInstance;

const get = (path: string, token?: string) =>
  fetch(
    `${instance.apiUrl}${path}`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );

beforeAll(async () => {
  instance = await startBudgetwatch(['start'], {
    BUDGETWATCH_API_READ_TOKEN: READ_TOKEN,
    BUDGETWATCH_API_TOKEN: WRITE_TOKEN,
  });
  await recordAgentCalls(new OTLPTraceExporter({ url: instance.intakeUrl }), {
    server: 'reader-mcp',
    tool: 'lookup',
    count: 10,
    failing: 0,
  });
  await waitFor(
    async () => {
      const response = await get('/api/v1/status', READ_TOKEN);
      return ((await response.json()) as StatusPage).unregistered.some(
        (server) => server.server === 'reader-mcp',
      );
    },
    { description: 'reader-mcp in the status report', timeoutMs: 20_000 },
  );
});

afterAll(async () => {
  await instance?.stop();
});

describe('the read API with BUDGETWATCH_API_READ_TOKEN', () => {
  it('answers 401 without the token and with a wrong one, on every read route', async () => {
    for (const path of READ_PATHS) {
      const bare = await get(path);
      expect(bare.status, path).toBe(401);
      expect(bare.headers.get('www-authenticate'), path).toBe('Bearer');
      expect((await get(path, 'read-token-of-the-operators-02')).status, path).toBe(401);
      expect((await get(path, `${READ_TOKEN}x`)).status, path).toBe(401);
    }
  });

  it('answers 200 with the read token, and with the write token', async () => {
    for (const path of READ_PATHS) {
      const response = await get(path, READ_TOKEN);
      expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
      expect((await get(path, WRITE_TOKEN)).status, path).toBe(200);
    }
  });

  it('leaves the probes, the metrics and the dashboard page open; mutations still take the write token', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/', '/dashboard.js', '/display-text.js']) {
      expect((await get(path)).status, path).toBe(200);
    }
    const silence = (token: string) =>
      fetch(`${instance.apiUrl}/api/v1/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          matchers: { server: 'reader-mcp' },
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          createdBy: 'ops',
          comment: 'maintenance',
        }),
      });
    expect((await silence(READ_TOKEN)).status).toBe(401);
    expect((await silence(WRITE_TOKEN)).status).toBe(201);
  });

  it('is a secret: config check masks it', async () => {
    const result = await budgetwatchInProcess(['config', 'check'], {
      BUDGETWATCH_API_READ_TOKEN: READ_TOKEN,
    });
    expect(result.code, result.output).toBe(0);
    expect(result.output).not.toContain(READ_TOKEN);
    const short = await budgetwatchInProcess(['config', 'check'], { BUDGETWATCH_API_READ_TOKEN: 'short' });
    expect(short.code).toBe(2);
    expect(short.output).toContain('BUDGETWATCH_API_READ_TOKEN');
  });
});

describe('the dashboard with a read token (headless Chromium)', () => {
  it('asks for the token once, keeps it for the tab, and shows the data under its strict CSP', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
      });
      const statusRequests: (string | undefined)[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/api/v1/status')
          statusRequests.push(request.headers().authorization);
      });
      await page.goto(`${instance.apiUrl}/`);
      const form = page.locator('#token-form');
      await form.waitFor({ state: 'visible', timeout: 20_000 });
      await expect(page.locator('#unregistered li').count()).resolves.toBe(0);

      // A wrong token is refused, and asked for again.
      await page.fill('#token', 'not-the-read-token-at-all');
      await page.click('#token-form button');
      await page.locator('#token-refused').waitFor({ state: 'visible', timeout: 20_000 });
      await expect(form.isVisible()).resolves.toBe(true);

      await page.fill('#token', READ_TOKEN);
      await page.click('#token-form button');
      await page.locator('#unregistered li[data-server="reader-mcp"]').waitFor({ timeout: 20_000 });
      await expect(form.isVisible()).resolves.toBe(false);
      expect(statusRequests).toContain(`Bearer ${READ_TOKEN}`);

      // Kept in sessionStorage: a reload shows the data without asking.
      await page.reload();
      await page.locator('#unregistered li[data-server="reader-mcp"]').waitFor({ timeout: 20_000 });
      await expect(form.isVisible()).resolves.toBe(false);
      await expect(page.evaluate(() => sessionStorage.getItem('budgetwatch.readToken'))).resolves.toBe(
        READ_TOKEN,
      );
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
