import { type CoverageBatch, hourOf, type LookAlikeExample } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import type { CoverageStore } from './coverage-store.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 25, 12, 30);

const spans = (source: string) => JSON.stringify(['source', source, 'spans']);
const example = (spanName: string, lastSeenMs: number): LookAlikeExample => ({
  spanName,
  kind: 'client',
  attributeKeys: ['mcp.method.name'],
  reasons: ['an MCP request other than tools/call'],
  source: 'agent',
  spans: 1,
  lastSeenMs,
});
const batch = (
  atMs: number,
  counts: [string, number][],
  examples: LookAlikeExample[] = [],
): CoverageBatch => ({
  hourMs: hourOf(atMs),
  counts,
  examples,
});

/** What every coverage store does; `create` gives an empty store named by `label`. */
export function coverageStoreContract(name: string, create: (label: string) => CoverageStore): void {
  describe(`${name} coverage store`, () => {
    it('adds batches up, hour by hour, and reads the current hour and the 23 before it', async () => {
      const store = create('hours');
      await store.record(batch(NOW - 24 * HOUR, [[spans('agent'), 1000]]));
      await store.record(batch(NOW - 23 * HOUR, [[spans('agent'), 5]]));
      await store.record(
        batch(NOW, [
          [spans('agent'), 2],
          [spans('web'), 3],
        ]),
      );
      await store.record(batch(NOW, [[spans('agent'), 4]]));
      const report = await store.read(NOW);
      expect(report.sources.map((row) => [row.source, row.spans])).toEqual([
        ['agent', 11],
        ['web', 3],
      ]);
      expect(report.since).toBe(new Date(hourOf(NOW) - 23 * HOUR).toISOString());
    });

    it('keeps the most recent look-alikes, each with the spans of every batch it was in', async () => {
      const store = create('examples');
      await store.record(batch(NOW - 25 * HOUR, [], [example('stale', NOW - 25 * HOUR)]));
      for (let i = 0; i < 30; i++)
        await store.record(batch(NOW, [], [example(`span-${i % 25}`, NOW - 30 + i)]));
      const report = await store.read(NOW);
      expect(report.looksLikeToolCalls).toHaveLength(20);
      expect(report.looksLikeToolCalls[0]).toMatchObject({ spanName: 'span-4', spans: 2 });
      expect(report.looksLikeToolCalls.map((entry) => entry.spanName)).not.toContain('stale');
    });
  });
}
