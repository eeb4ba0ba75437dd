import { performance } from 'node:perf_hooks';

/**
 * How long a computation may hold the event loop before it lets pending I/O (health probes, the
 * intake, other requests) run: well under the 100 ms within which probes must be answered, and
 * long enough that yielding costs little (docs/operations.md, "Probes and monitoring").
 */
export const TURN_BUDGET_MS = 2;

/** When the current turn began: the last time a computation came back from yielding. */
let turnStartedAt = performance.now();
/** The one pending yield every computation past the budget waits on. */
let nextTurn: Promise<void> | undefined;

/**
 * Resolves at once while the current turn is within TURN_BUDGET_MS; past it, after the event loop
 * has gone round (timers and I/O served) into a turn with budget left. Every computation shares
 * one turn: those waiting on the same yield resume together, each does its next step, and the
 * first to check the budget after that yields again, so N computations at once hold the loop for
 * one budget and N steps, not N budgets.
 */
export async function yieldIfTurnIsLong(): Promise<void> {
  while (performance.now() - turnStartedAt >= TURN_BUDGET_MS) {
    nextTurn ??= new Promise((resolve) => {
      setImmediate(() => {
        nextTurn = undefined;
        turnStartedAt = performance.now();
        resolve();
      });
    });
    await nextTurn;
  }
}

/**
 * `map` over `items`, at most `concurrency` at once (round trips to Redis overlap), yielding the
 * event loop between items when the turn runs long; results in the order of `items`.
 */
export async function mapInTurns<T, R>(
  items: readonly T[],
  map: (item: T, index: number) => Promise<R>,
  concurrency = 16,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await yieldIfTurnIsLong();
      results[index] = await map(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
