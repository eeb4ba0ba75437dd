import type { WindowStore } from '@budgetwatch/window-store';
import { expect } from 'vitest';
import { expectedCounts } from './tool-call-records.js';
import { readWindowCounts } from './window-counts.js';

/** Every tool series and server rollup holds exactly the calls and errors of spans 0 .. total-1. */
export async function expectExactCounts(store: WindowStore, total: number): Promise<void> {
  const { perTool, rolledUp } = await readWindowCounts(store);
  expect(perTool).toEqual(Object.fromEntries(expectedCounts(total)));
  expect(rolledUp).toBe(total);
}
