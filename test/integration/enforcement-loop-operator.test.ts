/**
 * Issue 18's operator controls end to end, on Kafka and Redis: `budgetwatch freeze lift` and
 * `budgetwatch kill-switch` from the CLI reach an agent guarded by the library and an unmodified
 * client behind `budgetwatch guard-proxy` within a second of the CLI's answer, through the events
 * topic, the decision folder, the decisions topic and the API's SSE stream; each action is in the
 * API's event history, and every call is counted exactly.
 */
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  connectClient,
  connectedEnvironment,
  guardedAgent,
  kindsOn,
  loopEnvironment,
  loopFiles,
  operate,
  type Seen,
  startProxy,
  Tally,
  TOOL,
  untilSeen,
  windowsWith,
} from '../support/enforcement-loop.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { type SwitchableMcpServer, startSwitchableMcpServer } from '../support/switchable-mcp-server.js';

const SERVER = 'loop-operated-mcp';
const BACKUP = 'loop-operated-backup-mcp';
/** How soon an operator's action must be enforced, from the CLI's answer. */
const WITHIN_MS = 1000;
const topics = useTopics();
const namespace = await useRedisNamespace('enforcement-loop-operator');
// The rule freezes the tool only: one lift ends it.
const files = loopFiles([SERVER, BACKUP], ['tool']);
const tally = new Tally(SERVER, BACKUP);
const cleanups: Array<() => Promise<unknown>> = [];
let tool: SwitchableMcpServer;
let instance: BudgetwatchInstance;
/** The two agents: guarded by the library, and an unmodified client behind the proxy. */
let agents: Record<'library' | 'proxy', () => Promise<object>>;

beforeAll(async () => {
  tool = await startSwitchableMcpServer(SERVER);
  const backup = await startSwitchableMcpServer(BACKUP);
  cleanups.push(
    () => tool.close(),
    () => backup.close(),
  );
  instance = await startBudgetwatch(['start'], {
    ...loopEnvironment(files),
    ...(await connectedEnvironment(topics, namespace.prefix, 'loop-operator')),
  });
  cleanups.push(() => instance.stop());
  // No probes: only the operator ends a freeze here.
  const library = await guardedAgent(instance, tool, backup);
  cleanups.push(() => library.close());
  const proxy = await startProxy(instance, [tool, backup], ['--fallback', `${SERVER}=${BACKUP}`]);
  cleanups.push(() => proxy.stop());
  const client = await connectClient(proxy.urlOf(SERVER));
  cleanups.push(() => client.close());
  agents = { library: library.call, proxy: () => client.callTool({ name: TOOL, arguments: {} }) };
});
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  files.remove();
});

/** Both agents call until one answer is `wanted`; the time each took from `since`. */
async function bothSee(wanted: Seen, since: number): Promise<Record<'library' | 'proxy', number>> {
  const [library, proxy] = await Promise.all([
    untilSeen(tally, agents.library, wanted, since),
    untilSeen(tally, agents.proxy, wanted, since),
  ]);
  return { library, proxy };
}

async function historyEvent(id: string): Promise<BudgetwatchEvent | undefined> {
  const { events } = await instance.getJson<{ events: BudgetwatchEvent[] }>(
    `/api/v1/events?server=${SERVER}&limit=50`,
  );
  return events.find((event) => event.id === id);
}

describe('operator controls from the CLI, enforced by the guard and the proxy', () => {
  it('a lifted rule freeze: calls flow within a second of the answer, and the lift is in the audit history', async () => {
    tool.failing = true;
    await bothSee('fallback', performance.now());
    expect(await kindsOn(instance, SERVER, `${SERVER}/${TOOL}`)).toEqual(['frozen']);
    // The operator fixed the backend and lifts the freeze until the rule next fires.
    tool.failing = false;
    const liftId = await operate(instance, [
      'freeze',
      'lift',
      `${SERVER}/${TOOL}`,
      '--reason',
      'backend fixed',
    ]);
    const flowMs = await bothSee('ok', performance.now());
    console.info(`enforcement loop (operator): lift to flowing ${JSON.stringify(flowMs)} ms`);
    expect(flowMs.library).toBeLessThan(WITHIN_MS);
    expect(flowMs.proxy).toBeLessThan(WITHIN_MS);
    expect(await historyEvent(liftId)).toMatchObject({
      type: 'budgetwatch.freeze.lifted',
      data: { server: SERVER, tool: TOOL, actor: 'ana', reason: 'backend fixed', until: null },
    });
  });

  it('a kill switch blocks every call within a second through both; released, calls flow again', async () => {
    const engagedId = await operate(instance, [
      'kill-switch',
      'engage',
      SERVER,
      '--reason',
      'credentials leaked',
    ]);
    const blockedMs = await bothSee('fallback', performance.now());
    console.info(`enforcement loop (operator): kill switch to blocked ${JSON.stringify(blockedMs)} ms`);
    expect(blockedMs.library).toBeLessThan(WITHIN_MS);
    expect(blockedMs.proxy).toBeLessThan(WITHIN_MS);
    // Every call now: none reaches the tool.
    const reached = tool.calls.charge;
    for (let i = 0; i < 5; i++) {
      expect(tally.see(await agents.library())).toBe('fallback');
      expect(tally.see(await agents.proxy())).toBe('fallback');
    }
    expect(tool.calls.charge).toBe(reached);

    const releasedId = await operate(instance, [
      'kill-switch',
      'release',
      SERVER,
      '--reason',
      'credentials rotated',
    ]);
    const flowMs = await bothSee('ok', performance.now());
    console.info(`enforcement loop (operator): release to flowing ${JSON.stringify(flowMs)} ms`);
    expect(flowMs.library).toBeLessThan(WITHIN_MS);
    expect(flowMs.proxy).toBeLessThan(WITHIN_MS);
    expect(await historyEvent(engagedId)).toMatchObject({
      type: 'budgetwatch.killswitch.engaged',
      data: { server: SERVER, actor: 'ana', reason: 'credentials leaked' },
    });
    expect((await historyEvent(releasedId))?.type).toBe('budgetwatch.killswitch.released');

    // Both agents' calls, over both tests, each counted once; the blocked ones as fallbacks.
    const windows = await windowsWith(instance, SERVER, tally.calls);
    expect(windows.tool).toMatchObject(tally.expectedWindow());
  });
});
