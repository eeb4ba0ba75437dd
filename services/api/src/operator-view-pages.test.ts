import { DEFAULT_POLICY, type SeriesDelta, type SeriesRef, seriesId } from '@budgetwatch/domain';
import { InMemoryEventHistory } from '@budgetwatch/evaluator';
import { EvaluationBed, inventoryOptions, registeredServer } from '@budgetwatch/evaluator/fixtures';
import { eventLoopHolds, holdsSummary } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { ApiError } from './http-api.js';
import { OperatorView, STATUS_PAGE_MAX_SERIES, type StatusPage } from './operator-view.js';

/**
 * Every list of the operator view comes in pages: a page is bounded, and paging through lists
 * each item once, in one order, whatever the page size.
 */
const INVENTORY = inventoryOptions(
  registeredServer('alpha-mcp', { tier: 2 }),
  registeredServer('zulu-mcp', { tier: 0 }),
  registeredServer('quiet-mcp', { tier: 1 }),
);

function viewOf(bed: EvaluationBed): OperatorView {
  return new OperatorView({
    policy: DEFAULT_POLICY,
    store: bed.windowStore,
    windows: bed.windows,
    states: bed.states,
    history: new InMemoryEventHistory(),
    notificationLog: null,
    inventory: async () => INVENTORY.inventory,
    crs: async (_inventory, servers) => servers.map((server) => ({ server, crs: 1, gated: false }) as never),
    now: bed.now,
  });
}

/** Registered servers with calls (alpha, zulu), one without (quiet), and 12 unregistered ones. */
async function trafficBed(): Promise<EvaluationBed> {
  const bed = new EvaluationBed();
  await bed.record('alpha-mcp', 'refund', 50);
  await bed.record('alpha-mcp', 'charge', 50);
  await bed.record('zulu-mcp', 'read', 50);
  for (let i = 0; i < 12; i++) {
    for (const tool of ['a', 'b', 'c']) await bed.record(`seen-${String(i).padStart(2, '0')}-mcp`, tool, 5);
  }
  return bed;
}

async function allStatusPages(view: OperatorView, limit: number): Promise<StatusPage[]> {
  const pages: StatusPage[] = [];
  let cursor: string | null = null;
  do {
    const page = await view.status({ cursor, limit });
    pages.push(page);
    cursor = page.next;
  } while (cursor !== null);
  return pages;
}

describe('status pages', () => {
  it.each([1, 4, 100])(
    'list every server once, registered first by tier, at most %i a page',
    async (limit) => {
      const view = viewOf(await trafficBed());
      const pages = await allStatusPages(view, limit);
      const listed = pages.flatMap((page) => [...page.servers, ...page.unregistered]);
      expect(listed.map((server) => server.server)).toEqual([
        'zulu-mcp',
        'quiet-mcp',
        'alpha-mcp',
        ...Array.from({ length: 12 }, (_, i) => `seen-${String(i).padStart(2, '0')}-mcp`),
      ]);
      for (const page of pages) {
        expect(page.servers.length + page.unregistered.length).toBeLessThanOrEqual(limit);
        expect(page.total).toEqual({ servers: 3, unregistered: 12 });
      }
      expect(pages).toHaveLength(Math.ceil(15 / limit));
      expect(listed.find((server) => server.server === 'alpha-mcp')).toMatchObject({
        registered: true,
        tools: ['charge', 'refund'],
        crs: { score: 1 },
      });
      expect(listed.find((server) => server.server === 'seen-03-mcp')?.rules.length).toBeGreaterThan(0);
    },
  );

  it('ends a page early after the server that takes it past the series bound', async () => {
    const bed = new EvaluationBed();
    const tools = Array.from({ length: STATUS_PAGE_MAX_SERIES }, (_, i) => `tool-${i}`);
    const deltas: SeriesDelta[] = ['big-mcp', 'next-mcp'].flatMap((server) =>
      [null, ...(server === 'big-mcp' ? tools : ['one'])].map((tool) => {
        const series: SeriesRef = { server, tool, drill: false };
        return { id: seriesId(series), series, buckets: new Map(), calls: 0 };
      }),
    );
    await bed.windowStore.applyDeltas(deltas, { topic: 't', partition: 0 }, new Map(), 1);
    const view = viewOf(bed);
    const first = await view.status({ cursor: null, limit: 100 });
    expect(first.unregistered.map((server) => server.server)).toEqual(['big-mcp']);
    expect(first.unregistered[0]?.tools).toHaveLength(STATUS_PAGE_MAX_SERIES);
    const second = await view.status({ cursor: first.next, limit: 100 });
    expect(second.unregistered.map((server) => server.server)).toEqual(['next-mcp']);
    expect(second.next).toBeNull();
  });

  it('refuses a cursor it did not give out (400)', async () => {
    const view = viewOf(await trafficBed());
    await expect(view.status({ cursor: 'not-a-cursor', limit: 10 })).rejects.toThrow(ApiError);
    await expect(
      view.series({ cursor: Buffer.from('{"a":1}').toString('base64url'), limit: 10 }),
    ).rejects.toThrow(/cursor/);
  });
});

describe('series, rule state and CRS pages', () => {
  it.each([1, 2, 5, 1000])('list every series once at %i a page, resuming inside a server', async (limit) => {
    const bed = await trafficBed();
    const view = viewOf(bed);
    const listed: SeriesRef[] = [];
    let cursor: string | null = null;
    do {
      const page = await view.series({ cursor, limit });
      expect(page.series.length).toBeLessThanOrEqual(limit);
      listed.push(...page.series);
      cursor = page.next;
    } while (cursor !== null);
    const active = (await bed.windowStore.activeSeries(0)).filter((series) => !series.drill);
    expect(listed.map(seriesId).sort()).toEqual(active.map(seriesId).sort());
    expect(new Set(listed.map(seriesId)).size).toBe(listed.length);
    // A server's rollup, then its tools by name.
    expect(listed.slice(0, 3).map(seriesId)).toEqual([
      'prod|zulu-mcp|*',
      'prod|zulu-mcp|read',
      'prod|alpha-mcp|*',
    ]);
  });

  it('pages the rule states by series, and the CRS by server', async () => {
    const bed = await trafficBed();
    const evaluator = bed.evaluator({ policy: DEFAULT_POLICY, states: bed.states, crs: INVENTORY });
    await evaluator.sweep();
    const view = viewOf(bed);
    const whole = await view.ruleStates({ cursor: null, limit: 1000 });
    expect(whole.next).toBeNull();
    const paged = [];
    let cursor: string | null = null;
    do {
      const page = await view.ruleStates({ cursor, limit: 3 });
      paged.push(...page.states);
      cursor = page.next;
    } while (cursor !== null);
    expect(paged).toEqual(whole.states);
    expect(paged.length).toBeGreaterThan(0);

    const first = await view.crs({ cursor: null, limit: 2 });
    const second = await view.crs({ cursor: first.next, limit: 2 });
    expect([...first.servers, ...second.servers].map((breakdown) => breakdown.server)).toEqual([
      'alpha-mcp',
      'quiet-mcp',
      'zulu-mcp',
    ]);
    expect(second.next).toBeNull();
  });
});

describe('reading a large report', () => {
  it('never holds the event loop: 20,000 series read page by page, in turns', async () => {
    const bed = new EvaluationBed();
    await bed.writeManySeries(20_000, 2000);
    const view = viewOf(bed);
    const { result: pages, holdsMs } = await eventLoopHolds(() => allStatusPages(view, 500));
    expect(pages.flatMap((page) => page.unregistered)).toHaveLength(2000);
    const holds = holdsSummary(holdsMs);
    // Read whole, the report would be one hold of all its CPU time: more than the longest hold
    // allowed below (the CPU time varies by machine and runtime).
    expect(holds.cpuMs).toBeGreaterThan(100);
    expect(holds.p99, `p99 hold (CPU ms) of ${holds.cpuMs.toFixed(0)} ms`).toBeLessThan(50);
    expect(holds.longest, 'longest hold (CPU ms)').toBeLessThan(100);
  }, 60_000);
});
