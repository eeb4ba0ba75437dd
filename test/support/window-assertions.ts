import type { WindowStore } from '@budgetwatch/window-store';
import { expect } from 'vitest';
import { expectedCounts, SERVERS, TOOLS } from './tool-call-records.js';

const TWO_HOURS = 2 * 3600_000;

/** Every tool series and server rollup holds exactly the calls and errors of spans 0 .. total-1. */
export async function expectExactCounts(store: WindowStore, total: number): Promise<void> {
  const expected = expectedCounts(total);
  const actual = new Map<string, { calls: number; errors: number }>();
  for (const server of SERVERS) {
    for (const tool of TOOLS) {
      const window = await store.readWindow({ server, tool, drill: false }, TWO_HOURS, Date.now());
      if (window.calls > 0) actual.set(`${server}/${tool}`, { calls: window.calls, errors: window.errors });
    }
  }
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  let rolledUp = 0;
  for (const server of SERVERS) {
    rolledUp += (await store.readWindow({ server, tool: null, drill: false }, TWO_HOURS, Date.now())).calls;
  }
  expect(rolledUp).toBe(total);
}
