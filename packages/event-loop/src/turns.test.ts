import { performance } from 'node:perf_hooks';
import { eventLoopHolds, quantileOf } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { mapInTurns, TURN_BUDGET_MS, yieldIfTurnIsLong } from './turns.js';

/** Work that holds the loop for `ms` (as reading windows from memory does). */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

/**
 * What a hold may take: a few budgets, and no less than the granularity at which the kernel
 * counts a thread's CPU time (4 ms on a 250 Hz kernel).
 */
const HOLD_BOUND_MS = Math.max(3 * TURN_BUDGET_MS, 20);

describe('mapInTurns', () => {
  it('maps in order, at most `concurrency` at once', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapInTurns(
      Array.from({ length: 100 }, (_, i) => i),
      async (item) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return item * 2;
      },
      4,
    );
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    expect(most).toBe(4);
    expect(await mapInTurns([], async () => 1)).toEqual([]);
  });

  it('lets the event loop turn between items once a turn has run TURN_BUDGET_MS', async () => {
    const { holdsMs } = await eventLoopHolds(() =>
      mapInTurns(
        Array.from({ length: 400 }, (_, i) => i),
        async () => busyFor(0.5),
      ),
    );
    // 200 ms of work: about 20 turns.
    expect(holdsMs.length).toBeGreaterThanOrEqual(10);
    // One hold per budget or so.
    expect(quantileOf(holdsMs, 0.99)).toBeLessThan(HOLD_BOUND_MS);
  }, 30_000);

  it('shares one budget between computations running at once', async () => {
    // Thirty-two computations with a budget each would hold the loop 32 x TURN_BUDGET_MS at a
    // time, past HOLD_BOUND_MS; sharing one, a turn is the budget and one step of each.
    const { holdsMs } = await eventLoopHolds(() =>
      Promise.all(
        Array.from({ length: 32 }, () =>
          mapInTurns(
            Array.from({ length: 24 }, (_, i) => i),
            async () => busyFor(0.25),
            1,
          ),
        ),
      ),
    );
    expect(quantileOf(holdsMs, 0.99)).toBeLessThan(HOLD_BOUND_MS);
  }, 30_000);
});

describe('yieldIfTurnIsLong', () => {
  it('lets the event loop turn once the turn has run past the budget', async () => {
    busyFor(TURN_BUDGET_MS + 1);
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    await yieldIfTurnIsLong();
    expect(turned).toBe(true);
  });
});
