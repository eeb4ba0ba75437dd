import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusReport } from '@budgetwatch/api';
import { boundedSeriesName, DISPLAY_TEXT_MODULE_URL, displayText } from '@budgetwatch/domain';
import { HOSTILE_NAMES, unsafeCharacters, waitFor } from '@budgetwatch/testkit';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { recordAgentCalls } from '../support/agent-spans.js';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { budgetwatch } from '../support/cli.js';
import { inventoryEntry } from '../support/inventory-entries.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

/**
 * Agents send spans whose server and tool names attack the reader; the real pipeline counts them
 * and fires on them, and then the terminal (`budgetwatch status` and `window`, real processes)
 * and the dashboard (headless Chromium) must show each name as one inert line.
 */
const NAMES = Object.values(HOSTILE_NAMES);
/** The names as Budgetwatch keeps them: a name past 256 characters is cut, with a hash. */
const stored = (name: string) => boundedSeriesName(name);
/** The registered server the hostile tools run on (it fires on each tool and on the rollup). */
const SERVER = 'checkout-mcp';
const ADDRESS = 'checkout.internal';

const topics = useTopics();
const namespace = await useRedisNamespace('untrusted-text');
const dir = mkdtempSync(join(tmpdir(), 'bw-untrusted-text-'));
const inventoryFile = join(dir, 'inventory.yaml');
let instance: BudgetwatchInstance;
let cliEnv: Record<string, string> = {};

beforeAll(async () => {
  writeFileSync(inventoryFile, stringify({ servers: [inventoryEntry(SERVER, 2, ADDRESS)] }));
  cliEnv = {
    REDIS_URL: inject('testBed').redisUrl,
    REDIS_KEY_PREFIX: namespace.prefix,
    BUDGETWATCH_INVENTORY: inventoryFile,
  };
  const groupId = `bwtest-untrusted-${randomUUID()}`;
  instance = await startBudgetwatch(['start'], {
    ...cliEnv,
    KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
    BUDGETWATCH_SPAN_TOPICS: await topics.create('untrusted-spans', { partitions: 2 }),
    BUDGETWATCH_DLQ_TOPIC: await topics.create('untrusted-dlq'),
    BUDGETWATCH_EVENTS_TOPIC: await topics.create('untrusted-events'),
    BUDGETWATCH_INGEST_GROUP_ID: groupId,
    BUDGETWATCH_NOTIFIER_GROUP_ID: `${groupId}-notifier`,
    BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
  });
  for (const name of NAMES) {
    const exporter = () => new OTLPTraceExporter({ url: instance.intakeUrl });
    // Half of 60 calls fail: the success-rate rule fires on the tool (and on the server).
    await recordAgentCalls(exporter(), {
      server: null,
      address: ADDRESS,
      tool: name,
      count: 60,
      failing: 30,
    });
    await recordAgentCalls(exporter(), { server: name, tool: name, count: 3, failing: 0 });
  }
  await waitFor(
    async () => {
      const status = await instance.getJson<StatusReport>('/api/v1/status');
      const checkout = status.servers.find((server) => server.server === SERVER);
      const firing = checkout?.rules.filter((reading) => reading.state === 'firing').length ?? 0;
      return firing === NAMES.length + 1 && status.unregistered.length === NAMES.length;
    },
    { description: `${SERVER} firing on every hostile tool, every hostile server listed`, timeoutMs: 60_000 },
  );
}, 120_000);

afterAll(async () => {
  await instance?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The output's lines, checked to hold nothing a terminal acts on or hides. */
function safeLines(output: string): string[] {
  expect(unsafeCharacters(output, ['\n'])).toEqual([]);
  return output.split('\n');
}

describe('budgetwatch status and window print hostile names as inert text', () => {
  it('status: one line per firing tool and per unregistered server, nothing else', async () => {
    const result = await budgetwatch(['status'], cliEnv);
    expect(result.code, result.output).toBe(0);
    const lines = safeLines(result.output);
    for (const name of NAMES) {
      const shown = displayText(stored(name));
      expect(lines.filter((line) => line.startsWith(`  FIRING success-rate on ${shown}: `))).toHaveLength(1);
      expect(lines.filter((line) => line.startsWith(`  ${shown}  tools: ${shown}`))).toHaveLength(1);
    }
    // The server line, its firing rules (each tool and the server), the unregistered heading and
    // one line per unregistered server: no line of the output came from a name.
    expect(lines).toHaveLength(1 + (NAMES.length + 1) + 2 + NAMES.length + 1);
    expect(lines.filter((line) => /^\s*(Recovery checklist|1\. curl)/.test(line))).toEqual([]);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(400);
  });

  it('status --json: the names as they are, in JSON that holds nothing a terminal acts on', async () => {
    const result = await budgetwatch(['status', '--json'], cliEnv);
    expect(result.code, result.output).toBe(0);
    safeLines(result.output);
    const report = JSON.parse(result.output) as StatusReport;
    expect(report.servers.find((server) => server.server === SERVER)?.tools.sort()).toEqual(
      NAMES.map(stored).sort(),
    );
  });

  it('window: one row per tool, each named display-safe', async () => {
    const result = await budgetwatch(['window', '--server', SERVER], cliEnv);
    expect(result.code, result.output).toBe(0);
    const lines = safeLines(result.output);
    expect(lines[0]).toBe(`server ${SERVER}, last 2h`);
    for (const name of NAMES)
      expect(lines.filter((line) => line.startsWith(`${displayText(stored(name))}  `))).toHaveLength(1);
    // Heading, header row, the rollup and one row per tool.
    expect(lines).toHaveLength(2 + 1 + NAMES.length + 1);
  });

  it('window --server <hostile name>: the name given on the command line is shown safe too', async () => {
    const result = await budgetwatch(['window', '--server', HOSTILE_NAMES.clearScreen], cliEnv);
    expect(result.code, result.output).toBe(0);
    const lines = safeLines(result.output);
    expect(lines[0]).toBe(`server ${displayText(HOSTILE_NAMES.clearScreen)}, last 2h`);
    expect(
      lines.filter((line) => line.startsWith(`${displayText(HOSTILE_NAMES.clearScreen)}  `)),
    ).toHaveLength(1);
  });
});

describe('the dashboard shows hostile names as inert text (headless Chromium)', () => {
  it('runs the same displayText module and renders every name through it, as text', async () => {
    // The module the API serves is the file this code base runs in Node, byte for byte.
    const served = await fetch(`${instance.apiUrl}/display-text.js`);
    expect(served.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(Buffer.from(await served.arrayBuffer()).equals(readFileSync(DISPLAY_TEXT_MODULE_URL))).toBe(true);

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${instance.apiUrl}/`);
      const row = page.locator(`#matrix tr.server[data-server="${SERVER}"][data-state="firing"]`);
      await row.waitFor({ timeout: 20_000 });
      await page
        .locator('#unregistered li')
        .nth(NAMES.length - 1)
        .waitFor({ timeout: 20_000 });

      // All the page's text (the markup's own line breaks aside).
      const text = (await page.locator('body').textContent()) ?? '';
      expect(unsafeCharacters(text, ['\n'])).toEqual([]);
      const unregistered = await page.locator('#unregistered li').allTextContents();
      const rowNames = await page.locator('#matrix tbody tr.server th').allTextContents();
      for (const name of NAMES) {
        const shown = displayText(stored(name));
        expect(unregistered).toContain(`${shown} — tools: ${shown}`);
        expect(rowNames).toContain(shown);
      }

      // The server's page: one row per tool, each hostile name as inert text, the charts too.
      await page.goto(`${instance.apiUrl}/#/server/${SERVER}`);
      await page.locator('#tools tbody tr').nth(NAMES.length).waitFor({ timeout: 20_000 });
      await page.locator('figure.chart').first().waitFor({ timeout: 20_000 });
      expect(unsafeCharacters((await page.locator('body').textContent()) ?? '', ['\n'])).toEqual([]);
      const toolCells = await page.locator('#tools tbody tr th').allTextContents();
      for (const name of NAMES) expect(toolCells).toContain(displayText(stored(name)));
      expect(toolCells.every((cell) => cell.length <= 128)).toBe(true);
      // Set as text: no element came from a name (the page's scripts are the markup's own), and
      // no script of one ran.
      const markup = await (await fetch(`${instance.apiUrl}/`)).text();
      const ownScripts = markup.match(/<script\b/g)?.length ?? 0;
      expect(ownScripts).toBeGreaterThan(0);
      await expect(page.locator('script').count()).resolves.toBe(ownScripts);
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
