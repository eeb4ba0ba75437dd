/**
 * Issue 18's loop closed through @budgetwatch/mcp-guard, on Kafka and Redis: a tool starts
 * failing, the rule fires on the guard's own spans, the guard routes calls to the backup, its
 * probes find the tool healed, the rule recovers and calls flow to the tool again, with no
 * operator. Every call is counted exactly in the windows.
 */
import { GUARD_ATTRIBUTES } from '@budgetwatch/mcp-guard';
import { describe, expect, it } from 'vitest';
import {
  connectedEnvironment,
  driveLoop,
  expectLoopRecorded,
  frozenIn,
  guardedAgent,
  Tally,
  useLoopBed,
} from '../support/enforcement-loop.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const SERVER = 'loop-payments-mcp';
const BACKUP = 'loop-backup-mcp';
const topics = useTopics();
const namespace = await useRedisNamespace('enforcement-loop-guard');
const bed = useLoopBed(SERVER, BACKUP, async () =>
  connectedEnvironment(topics, namespace.prefix, 'loop-guard'),
);

describe('the enforcement loop through the guard, on Kafka and Redis', () => {
  it('failing: the rule fires and calls go to the backup; healed: probes recover the window and calls flow', async () => {
    const { tool, backup, instance } = bed;
    const agent = await guardedAgent(instance, tool, backup, { probeIntervalMs: 250 });
    const tally = new Tally(SERVER, BACKUP);
    let spans: ReturnType<typeof agent.memory.getFinishedSpans> = [];
    try {
      await driveLoop(tool, tally, agent.call);
      expect(frozenIn(agent.feed, SERVER)).toBe(false);
      spans = agent.memory.getFinishedSpans();
    } finally {
      await agent.close();
    }

    // Probes went through the freeze, each a real call; the rest of the blocked calls went to the backup.
    const probes = spans.filter((span) => span.attributes[GUARD_ATTRIBUTES.probe] === true);
    expect(probes.length).toBeGreaterThan(0);
    console.info(`enforcement loop (guard): ${probes.length} probes`);
    expect(spans.filter((span) => span.attributes[GUARD_ATTRIBUTES.fallbackActivated] === true)).toHaveLength(
      tally.counts.fallback,
    );
    expect(tool.calls.charge).toBe(tally.counts.ok + tally.counts.error);
    expect(backup.calls.charge).toBe(tally.counts.fallback);

    await expectLoopRecorded(instance, SERVER, tally);
  });
});
