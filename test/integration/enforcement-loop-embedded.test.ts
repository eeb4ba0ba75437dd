/**
 * Issue 18's loop closed on embedded defaults: `budgetwatch start` with no Kafka and no Redis
 * (windows in memory, the in-process event bus) and the loop's policy. A tool fails, the rule
 * fires, the guard routes to the backup, probes heal it, calls flow; counted exactly.
 */
import { GUARD_ATTRIBUTES } from '@budgetwatch/mcp-guard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  driveLoop,
  expectLoopRecorded,
  frozenIn,
  guardedAgent,
  loopEnvironment,
  loopFiles,
  Tally,
} from '../support/enforcement-loop.js';
import { type SwitchableMcpServer, startSwitchableMcpServer } from '../support/switchable-mcp-server.js';

const SERVER = 'loop-embedded-mcp';
const BACKUP = 'loop-embedded-backup-mcp';
const files = loopFiles([SERVER, BACKUP]);
let tool: SwitchableMcpServer;
let backup: SwitchableMcpServer;
let instance: BudgetwatchInstance;

beforeAll(async () => {
  tool = await startSwitchableMcpServer(SERVER);
  backup = await startSwitchableMcpServer(BACKUP);
  instance = await startBudgetwatch(['start'], loopEnvironment(files));
});
afterAll(async () => {
  await instance?.stop();
  await tool?.close();
  await backup?.close();
  files.remove();
});

describe('the enforcement loop on embedded defaults', () => {
  it('failing: calls go to the backup; healed: probes recover the window and calls flow', async () => {
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
