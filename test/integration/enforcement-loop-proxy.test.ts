/**
 * Issue 18's loop closed through `budgetwatch guard-proxy`, on Kafka and Redis: an unmodified MCP
 * SDK client talks to the proxy; the tool starts failing, the rule fires on the proxy's spans,
 * the proxy routes calls to the backup upstream, its probes find the tool healed and calls flow
 * again, with no operator. Every call is counted exactly in the windows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  connectClient,
  connectedEnvironment,
  driveLoop,
  expectLoopRecorded,
  loopEnvironment,
  loopFiles,
  startProxy,
  Tally,
  TOOL,
} from '../support/enforcement-loop.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { type SwitchableMcpServer, startSwitchableMcpServer } from '../support/switchable-mcp-server.js';

const SERVER = 'loop-proxied-mcp';
const BACKUP = 'loop-proxied-backup-mcp';
const topics = useTopics();
const namespace = await useRedisNamespace('enforcement-loop-proxy');
const files = loopFiles([SERVER, BACKUP]);
let tool: SwitchableMcpServer;
let backup: SwitchableMcpServer;
let instance: BudgetwatchInstance;

beforeAll(async () => {
  tool = await startSwitchableMcpServer(SERVER);
  backup = await startSwitchableMcpServer(BACKUP);
  instance = await startBudgetwatch(['start'], {
    ...loopEnvironment(files),
    ...(await connectedEnvironment(topics, namespace.prefix, 'loop-proxy')),
  });
});
afterAll(async () => {
  await instance?.stop();
  await tool?.close();
  await backup?.close();
  files.remove();
});

describe('the enforcement loop through guard-proxy, on Kafka and Redis', () => {
  it('an unmodified client: failing, calls go to the backup upstream; healed, probes recover it and calls flow', async () => {
    const proxy = await startProxy(
      instance,
      [tool, backup],
      ['--fallback', `${SERVER}=${BACKUP}`, '--probe-interval', '1s'],
    );
    const client = await connectClient(proxy.urlOf(SERVER));
    const tally = new Tally(SERVER, BACKUP);
    try {
      await driveLoop(tool, tally, () => client.callTool({ name: TOOL, arguments: {} }));
    } finally {
      await client.close();
      // SIGTERM flushes the proxy's spans.
      await proxy.stop();
    }
    expect(tool.calls.charge).toBe(tally.counts.ok + tally.counts.error);
    expect(backup.calls.charge).toBe(tally.counts.fallback);
    await expectLoopRecorded(instance, SERVER, tally);
    // The backup's calls were part of the blocked ones: nothing is counted on the backup.
    expect(
      (await instance.getJson<{ window: { calls: number } }>(`/api/v1/windows?server=${BACKUP}&window=1h`))
        .window.calls,
    ).toBe(0);
  });
});
