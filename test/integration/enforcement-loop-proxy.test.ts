/**
 * Issue 18's loop closed through `budgetwatch guard-proxy`, on Kafka and Redis: an unmodified MCP
 * SDK client talks to the proxy; the tool starts failing, the rule fires on the proxy's spans,
 * the proxy routes calls to the backup upstream, its probes find the tool healed and calls flow
 * again, with no operator. Every call is counted exactly in the windows.
 */
import { describe, expect, it } from 'vitest';
import {
  connectClient,
  connectedEnvironment,
  driveLoop,
  expectLoopRecorded,
  startProxy,
  Tally,
  TOOL,
  useLoopBed,
} from '../support/enforcement-loop.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const SERVER = 'loop-proxied-mcp';
const BACKUP = 'loop-proxied-backup-mcp';
const topics = useTopics();
const namespace = await useRedisNamespace('enforcement-loop-proxy');
const bed = useLoopBed(SERVER, BACKUP, async () =>
  connectedEnvironment(topics, namespace.prefix, 'loop-proxy'),
);

describe('the enforcement loop through guard-proxy, on Kafka and Redis', () => {
  it('an unmodified client: failing, calls go to the backup upstream; healed, probes recover it and calls flow', async () => {
    const { tool, backup, instance } = bed;
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
