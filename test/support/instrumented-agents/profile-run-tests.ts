import { describe, expect, it } from 'vitest';
import type { BudgetwatchInstance } from '../budgetwatch-instance.js';
import { expectCounted, expectedPerTool } from './budgetwatch-counts.js';
import { PROFILE_RUNS, runProfile, serverOf, TWO_INSTRUMENTATIONS } from './profile-runs.js';

/**
 * The tests every deployment of `budgetwatch start` must pass with the real packages: each built-in
 * profile counts its package's 50 calls exactly, and two instrumentations on one agent count each
 * call once. `where` names the deployment in the test titles.
 */
export function describeProfileRuns(where: string, instance: () => BudgetwatchInstance): void {
  describe(`each built-in profile counts the real package exactly (${where})`, () => {
    it.each(PROFILE_RUNS)('$title', async (run) => {
      expect(await runProfile(instance(), run)).toBe(50);
      await expectCounted(instance(), serverOf(run), run.prefix, expectedPerTool(run.prefix, run.errors));
    });
  });

  describe(`one call counts once (${where})`, () => {
    it('LangChain TOOL spans and Traceloop MCP spans of the same calls on one agent: 50 calls', async () => {
      const { prefix, errors } = TWO_INSTRUMENTATIONS;
      const classified = await runProfile(instance(), TWO_INSTRUMENTATIONS);
      await expectCounted(
        instance(),
        serverOf(TWO_INSTRUMENTATIONS),
        prefix,
        expectedPerTool(prefix, errors),
      );
      expect(classified).toBe(50);
    });
  });
}
