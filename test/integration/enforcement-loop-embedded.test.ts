/**
 * Issue 18's loop closed on embedded defaults: `budgetwatch start` with no Kafka and no Redis
 * (windows in memory, the in-process event bus) and the loop's policy. A tool fails, the rule
 * fires, the guard routes to the backup, probes heal it, calls flow; counted exactly.
 */
import { GUARD_ATTRIBUTES } from '@budgetwatch/mcp-guard';
import { describe, expect, it } from 'vitest';
import {
  driveLoop,
  expectLoopRecorded,
  frozenIn,
  guardedAgent,
  Tally,
  useLoopBed,
} from '../support/enforcement-loop.js';

const SERVER = 'loop-embedded-mcp';
const BACKUP = 'loop-embedded-backup-mcp';
const bed = useLoopBed(SERVER, BACKUP);

describe('the enforcement loop on embedded defaults', () => {
  it('failing: calls go to the backup; healed: probes recover the window and calls flow', async () => {
    const { tool, backup, instance } = bed;
    const agent = await guardedAgent(instance, tool, backup, { probeIntervalMs: 250 });
    const tally = new Tally(SERVER, BACKUP);
    let probes = 0;
    try {
      await driveLoop(tool, tally, agent.call);
      expect(frozenIn(agent.feed, SERVER)).toBe(false);
      probes = agent.memory
        .getFinishedSpans()
        .filter((span) => span.attributes[GUARD_ATTRIBUTES.probe] === true).length;
    } finally {
      await agent.close();
    }
    expect(probes).toBeGreaterThan(0);
    expect(backup.calls.charge).toBe(tally.counts.fallback);
    await expectLoopRecorded(instance, SERVER, tally);
  });
});
