import { eventLoopHolds, holdsSummary } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { EvaluationBed } from './evaluation-bed.fixtures.js';

/**
 * On embedded defaults the evaluator shares its process with the API and the intake, and every
 * store answers from memory: a sweep must run in turns, or probes wait for all of it.
 */
describe('a sweep of many series', () => {
  it('never holds the event loop more than a few tens of ms (CPU time)', async () => {
    const bed = new EvaluationBed();
    await bed.writeManySeries(20_000, 2000);
    const { result, holdsMs } = await eventLoopHolds(() => bed.evaluator().sweep());
    expect(result).toBe(20_000);
    const holds = holdsSummary(holdsMs);
    // Done at once, the sweep would be one hold of all its CPU time: more than the longest hold
    // allowed below, so the test fails without turns (the CPU time varies by machine and runtime).
    expect(holds.cpuMs).toBeGreaterThan(100);
    expect(holds.p99, `p99 hold (CPU ms) of ${holds.cpuMs.toFixed(0)} ms`).toBeLessThan(50);
    expect(holds.longest, 'longest hold (CPU ms)').toBeLessThan(100);
  }, 60_000);
});
