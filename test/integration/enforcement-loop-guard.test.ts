/**
 * Issue 18's loop closed through @budgetwatch/mcp-guard, on Kafka and Redis: a tool starts
 * failing, the rule fires on the guard's own spans, the guard routes calls to the backup, its
 * probes find the tool healed, the rule recovers and calls flow to the tool again, with no
 * operator. Every call is counted exactly in the windows.
 */
import { randomUUID } from 'node:crypto';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { GUARD_ATTRIBUTES } from '@budgetwatch/mcp-guard';
import { waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  frozenIn,
  guardedAgent,
  kindsOn,
  loopEnvironment,
  loopFiles,
  TOOL,
  Tally,
  windowsWith,
} from '../support/enforcement-loop.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { type SwitchableMcpServer, startSwitchableMcpServer } from '../support/switchable-mcp-server.js';

const SERVER = 'loop-payments-mcp';
const BACKUP = 'loop-backup-mcp';
const topics = useTopics();
const namespace = await useRedisNamespace('enforcement-loop-guard');
const files = loopFiles([SERVER, BACKUP]);
let tool: SwitchableMcpServer;
let backup: SwitchableMcpServer;
let instance: BudgetwatchInstance;

beforeAll(async () => {
  tool = await startSwitchableMcpServer(SERVER);
  backup = await startSwitchableMcpServer(BACKUP);
  const group = `bwtest-loop-guard-${randomUUID().slice(0, 8)}`;
  instance = await startBudgetwatch(['start'], {
    ...loopEnvironment(files),
    KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
    REDIS_URL: inject('testBed').redisUrl,
    REDIS_KEY_PREFIX: namespace.prefix,
    BUDGETWATCH_SPAN_TOPICS: await topics.create('loop-guard-spans'),
    BUDGETWATCH_DLQ_TOPIC: await topics.create('loop-guard-dlq'),
    BUDGETWATCH_EVENTS_TOPIC: await topics.create('loop-guard-events'),
    BUDGETWATCH_DECISIONS_TOPIC: await topics.create('loop-guard-decisions', {
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    }),
    BUDGETWATCH_INGEST_GROUP_ID: group,
    BUDGETWATCH_NOTIFIER_GROUP_ID: `${group}-notifier`,
    BUDGETWATCH_DECISIONS_GROUP_ID: `${group}-decisions`,
    BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
  });
});
afterAll(async () => {
  await instance?.stop();
  await tool?.close();
  await backup?.close();
  files.remove();
});

describe('the enforcement loop through the guard, on Kafka and Redis', () => {
  it('failing: the rule fires and calls go to the backup; healed: probes recover the window and calls flow', async () => {
    const agent = await guardedAgent(instance, tool, backup, { probeIntervalMs: 250 });
    const tally = new Tally(SERVER, BACKUP);
    let spans: ReturnType<typeof agent.memory.getFinishedSpans> = [];
    try {
      for (let i = 0; i < 3; i++) expect(tally.see(await agent.call())).toBe('ok');

      tool.failing = true;
      const failingAt = performance.now();
      await waitFor(async () => tally.see(await agent.call()) === 'fallback', {
        description: 'a call routed to the backup',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      console.info(
        `enforcement loop (guard): first failing call to first fallback in ${(performance.now() - failingAt).toFixed(0)} ms, ${tally.counts.error} failed calls`,
      );
      expect(frozenIn(agent.feed, SERVER)).toBe(true);
      expect(await kindsOn(instance, SERVER, `${SERVER}/${TOOL}`)).toContain('frozen');

      tool.failing = false;
      const healedAt = performance.now();
      await waitFor(
        async () => {
          tally.see(await agent.call());
          return !frozenIn(agent.feed, SERVER);
        },
        { description: 'probes to recover the window and the freezes to clear', timeoutMs: 30_000, intervalMs: 50 },
      );
      console.info(
        `enforcement loop (guard): healed to unfrozen in ${(performance.now() - healedAt).toFixed(0)} ms`,
      );
      // Flowing: every call reaches the tool, none the backup.
      const before = { tool: tool.calls.charge, backup: backup.calls.charge };
      for (let i = 0; i < 5; i++) expect(tally.see(await agent.call())).toBe('ok');
      expect({ tool: tool.calls.charge - before.tool, backup: backup.calls.charge - before.backup }).toEqual({
        tool: 5,
        backup: 0,
      });
      spans = agent.memory.getFinishedSpans();
    } finally {
      await agent.close();
    }

    // Probes went through the freeze, each a real call; the rest of the blocked calls went to the backup.
    const probes = spans.filter((span) => span.attributes[GUARD_ATTRIBUTES.probe] === true);
    expect(probes.length).toBeGreaterThan(0);
    console.info(`enforcement loop (guard): ${JSON.stringify(tally.counts)}, ${probes.length} probes`);
    expect(
      spans.filter((span) => span.attributes[GUARD_ATTRIBUTES.fallbackActivated] === true),
    ).toHaveLength(tally.counts.fallback);
    expect(tool.calls.charge).toBe(tally.counts.ok + tally.counts.error);
    expect(backup.calls.charge).toBe(tally.counts.fallback);

    // Exact: each call the agent made is one call in the windows, fallbacks counted as activations.
    const windows = await windowsWith(instance, SERVER, tally.calls);
    for (const summary of [windows.tool, windows.server])
      expect(summary).toMatchObject(tally.expectedWindow());

    // The rule's own transitions did it: frozen then unfrozen on the tool, no operator event.
    const { events } = await instance.getJson<{ events: BudgetwatchEvent[] }>(
      `/api/v1/events?server=${SERVER}&limit=50`,
    );
    const onTool = events
      .filter((event) => (event.data as { tool?: string | null }).tool === TOOL)
      .map((event) => event.type)
      .reverse();
    expect(onTool).toContain('budgetwatch.traffic.frozen');
    expect(onTool.at(-1)).toBe('budgetwatch.traffic.unfrozen');
    expect(events.some((event) => event.type.startsWith('budgetwatch.freeze.'))).toBe(false);
    expect(await kindsOn(instance, SERVER, `${SERVER}/${TOOL}`)).toEqual([]);
  });
});
