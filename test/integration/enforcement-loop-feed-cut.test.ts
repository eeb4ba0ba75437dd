/**
 * Issue 18's feed cut end to end, on Kafka and Redis: the `budgetwatch start` process whose API
 * the guards follow is stopped. After staleAfterMs a fail-closed guard routes every call to the
 * backup (feed_stale) and a fail-closed guard-proxy answers with its default result, while a
 * fail-open guard calls the tool; the process started again on the same ports, all of them resume
 * their streams and follow the decisions again.
 */
import { GUARD_ATTRIBUTES } from '@budgetwatch/mcp-guard';
import { freeLoopbackPort, waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  connectClient,
  connectedEnvironment,
  guardedAgent,
  loopEnvironment,
  loopFiles,
  operate,
  startProxy,
  Tally,
  TOOL,
  untilSeen,
} from '../support/enforcement-loop.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { type SwitchableMcpServer, startSwitchableMcpServer } from '../support/switchable-mcp-server.js';

const SERVER = 'loop-cut-mcp';
const BACKUP = 'loop-cut-backup-mcp';
/** Four heartbeats (500 ms) of silence. */
const STALE_AFTER_MS = 2000;
const topics = useTopics();
const namespace = await useRedisNamespace('enforcement-loop-feed-cut');
const files = loopFiles([SERVER, BACKUP]);
const cleanups: Array<() => Promise<unknown>> = [];
let tool: SwitchableMcpServer;
let backup: SwitchableMcpServer;
/** The same ports, topics, groups and Redis prefix for the first process and the one started again. */
let environment: Record<string, string>;

beforeAll(async () => {
  tool = await startSwitchableMcpServer(SERVER);
  backup = await startSwitchableMcpServer(BACKUP);
  cleanups.push(
    () => tool.close(),
    () => backup.close(),
  );
  environment = {
    ...loopEnvironment(files),
    ...(await connectedEnvironment(topics, namespace.prefix, 'loop-cut')),
    BUDGETWATCH_HTTP_PORT: String(await freeLoopbackPort()),
    BUDGETWATCH_OTLP_PORT: String(await freeLoopbackPort()),
  };
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  files.remove();
});

/** Whether the subject `SERVER/tool` is frozen in a guard's feed. */
const frozenTool = (
  feed: { subject(server: string, tool: string): { decisions: { kind: string }[] } | undefined },
  name: string,
) => feed.subject(SERVER, name)?.decisions.some((decision) => decision.kind === 'frozen') === true;

describe('the decision feed cut: the API stopped and started again', () => {
  it('after staleAfterMs fail-closed routes to the backup and fail-open calls the tool; both recover', async () => {
    let instance: BudgetwatchInstance = await startBudgetwatch(['start'], environment);
    cleanups.push(() => instance.stop());
    const closed = await guardedAgent(instance, tool, backup, {
      whenStale: 'closed',
      staleAfterMs: STALE_AFTER_MS,
    });
    cleanups.push(() => closed.close());
    const open = await guardedAgent(instance, tool, backup, {
      whenStale: 'open',
      staleAfterMs: STALE_AFTER_MS,
    });
    cleanups.push(() => open.close());
    // The proxy with its default fallback: a fallback upstream would be guarded by the same
    // stale feed, and so fail closed as well.
    const proxy = await startProxy(
      instance,
      [tool],
      ['--fail-closed', '--stale-after', `${STALE_AFTER_MS}ms`],
    );
    cleanups.push(() => proxy.stop());
    const proxied = await connectClient(proxy.urlOf(SERVER));
    cleanups.push(() => proxied.close());
    const proxiedAnswer = async () => {
      const result = await proxied.callTool({ name: TOOL, arguments: {} });
      return (result.content as Array<{ text?: string }>)[0]?.text;
    };
    expect(await proxiedAnswer()).toBe(`${SERVER}: charged`);
    const tally = new Tally(SERVER, BACKUP);

    // A decision in force before the cut: a manual freeze of another tool, held through it.
    await operate(instance, ['freeze', 'set', `${SERVER}/hold`, '--reason', 'maintenance']);
    await waitFor(() => frozenTool(closed.feed, 'hold') && frozenTool(open.feed, 'hold'), {
      description: 'the manual freeze in both feeds',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(tally.see(await closed.call())).toBe('ok');
    const resumeFrom = closed.feed.lastEventId;
    expect(resumeFrom).not.toBe('');

    // The cut: the process ends (SIGTERM), its API and its streams with it.
    expect(await instance.stop()).toBe(0);
    await untilSeen(tally, closed.call, 'fallback', performance.now());
    const staleAt = Date.now();
    const lastBytesAt = closed.feed.freshness().lastActivityMs ?? 0;
    // Stale after the bound, not before it; and seen soon after (calls every 20 ms).
    expect(staleAt - lastBytesAt).toBeGreaterThan(STALE_AFTER_MS);
    expect(staleAt - lastBytesAt).toBeLessThan(STALE_AFTER_MS + 1000);
    const lastSpan = closed.memory.getFinishedSpans().at(-1);
    expect(lastSpan?.attributes[GUARD_ATTRIBUTES.guardReason]).toBe('feed_stale');
    expect(lastSpan?.attributes[GUARD_ATTRIBUTES.fallbackActivated]).toBe(true);
    // The proxy fails closed too.
    await waitFor(
      async () =>
        (await proxiedAnswer()) ===
        `Budgetwatch guard: the call to ${SERVER}/${TOOL} was not sent: the decision feed is stale and the guard fails closed.`,
      { description: 'the proxy to fail closed', timeoutMs: 10_000, intervalMs: 20 },
    );
    const reached = tool.calls.charge;
    for (let i = 0; i < 3; i++) {
      expect(tally.see(await closed.call())).toBe('fallback');
      expect(tally.see(await open.call())).toBe('ok');
    }
    expect(tool.calls.charge - reached).toBe(3);

    // Started again on the same ports: both feeds reconnect, resuming after the last event they had.
    const connections = { closed: closed.feed.connections, open: open.feed.connections };
    instance = await startBudgetwatch(['start'], environment);
    const restartedAt = performance.now();
    const recoveredMs = await untilSeen(tally, closed.call, 'ok', restartedAt);
    console.info(
      `enforcement loop (feed cut): API answering to fail-closed guard calling the tool in ${recoveredMs.toFixed(0)} ms`,
    );
    await waitFor(async () => (await proxiedAnswer()) === `${SERVER}: charged`, {
      description: 'the proxy to call the tool again',
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    const proxyRecoveredMs = performance.now() - restartedAt;
    console.info(
      `enforcement loop (feed cut): API answering to fail-closed proxy calling the tool in ${proxyRecoveredMs.toFixed(0)} ms`,
    );
    await waitFor(() => open.feed.connections > connections.open, {
      description: 'the fail-open feed reconnected',
      timeoutMs: 10_000,
    });
    expect(closed.feed.connections).toBeGreaterThan(connections.closed);
    expect(frozenTool(closed.feed, 'hold')).toBe(true);
    expect(frozenTool(open.feed, 'hold')).toBe(true);

    // Following again: a change made now reaches both guards.
    const clearedAt = performance.now();
    await operate(instance, ['freeze', 'clear', `${SERVER}/hold`, '--reason', 'maintenance over']);
    await waitFor(() => !frozenTool(closed.feed, 'hold') && !frozenTool(open.feed, 'hold'), {
      description: 'the freeze cleared in both feeds',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(performance.now() - clearedAt).toBeLessThan(1000);
    expect(closed.feed.lastEventId).not.toBe(resumeFrom);
    expect(tally.see(await closed.call())).toBe('ok');
    expect(tally.see(await open.call())).toBe('ok');
    expect(frozenTool(closed.feed, TOOL)).toBe(false);
  });
});
