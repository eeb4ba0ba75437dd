/**
 * @budgetwatch/mcp-guard against real components: a real MCP server (SDK, Streamable HTTP) whose
 * tool can be switched to failing, a real SDK Client wrapped by the guard, the decision feed's
 * SSE stream as the contract defines it (test/support/decision-stream-server.ts), a real Kafka
 * broker for the compacted topic, and the real OTel SDK recording the guard's spans.
 */
import {
  type DecisionFeed,
  type GuardOptions,
  GuardQueueFullError,
  guardClient,
  SseDecisionFeed,
  type SubjectDecisions,
} from '@budgetwatch/mcp-guard';
import { KafkaDecisionFeed } from '@budgetwatch/mcp-guard/kafka';
import { waitFor } from '@budgetwatch/testkit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DecisionStreamServer, startDecisionStreamServer } from '../support/decision-stream-server.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { type SwitchableMcpServer, startSwitchableMcpServer } from '../support/switchable-mcp-server.js';

const TOKEN = 'read-token-for-tests';
const SERVER = 'payments-mcp';
const SINCE = '2026-11-28T10:00:00.000Z';

function subject(tool: string | null, kinds: string[], rule = 'error-rate'): SubjectDecisions {
  return {
    key: tool === null ? SERVER : `${SERVER}/${tool}`,
    server: SERVER,
    tool,
    fallbackMode: 'degrade',
    decisions: kinds.map((kind) => ({
      kind,
      since: SINCE,
      causes: [
        rule === 'operator'
          ? { rule, since: SINCE, eventId: `ev-${kind}`, actor: 'ana', reason: 'drill' }
          : { rule, since: SINCE, eventId: `ev-${kind}` },
      ],
    })),
  };
}
const cleared = (tool: string | null) => subject(tool, []);

async function connectClient(url: string): Promise<Client> {
  const client = new Client({ name: 'guarded-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** The first text of a tool result. */
function text(result: object): string | undefined {
  const content = 'content' in result ? (result.content as Array<{ type: string; text?: string }>) : [];
  return content[0]?.text;
}

let tool: SwitchableMcpServer;
let backup: SwitchableMcpServer;
let stream: DecisionStreamServer;
let exporter: InMemorySpanExporter;
let provider: TracerProvider;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  tool = await startSwitchableMcpServer(SERVER);
  backup = await startSwitchableMcpServer('payments-backup');
});
afterAll(async () => {
  await tool.close();
  await backup.close();
});
beforeEach(async () => {
  stream = await startDecisionStreamServer({ token: TOKEN, heartbeatMs: 200 });
  exporter = new InMemorySpanExporter();
  provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  tool.failing = false;
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stream.close();
  await provider.shutdown();
});

/** A guarded client on the tool server, following the test stream; `now` skews the guard's clock. */
async function guarded(options: Partial<GuardOptions> & { now?: () => number } = {}) {
  const feed = new SseDecisionFeed({
    apiUrl: stream.url,
    token: TOKEN,
    server: SERVER,
    maxBackoffMs: 200,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  cleanups.push(() => feed.close());
  await feed.whenSynced(5_000);
  const client = await connectClient(tool.url);
  cleanups.push(() => client.close());
  return {
    feed,
    client: guardClient(client, { server: SERVER, feed, tracer: provider.getTracer('guard'), ...options }),
  };
}

/** Publishes and waits until the feed has it, returning how long the guard took to see it. */
async function publishAndSee(feed: DecisionFeed, change: SubjectDecisions): Promise<number> {
  const started = performance.now();
  stream.publish(change);
  await waitFor(
    () =>
      JSON.stringify(feed.subject(change.server, change.tool)?.decisions ?? []) ===
      JSON.stringify(change.decisions),
    { description: `the feed to hold ${change.key}`, timeoutMs: 1_000, intervalMs: 5 },
  );
  return performance.now() - started;
}

describe('frozen: calls go to the fallback within a second', () => {
  it('default fallback: an isError result saying which decision blocked the call and since when', async () => {
    const { feed, client } = await guarded();
    expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toBe(`${SERVER}: charged`);
    const seenMs = await publishAndSee(feed, subject('charge', ['frozen']));
    expect(seenMs).toBeLessThan(1_000);
    const before = tool.calls.charge;
    const blocked = await client.callTool({ name: 'charge', arguments: {} });
    expect(blocked.isError).toBe(true);
    expect(text(blocked)).toBe(
      `Budgetwatch guard: the call to ${SERVER}/charge was not sent: calls are frozen on ${SERVER}/charge since ${SINCE}.`,
    );
    expect(tool.calls.charge).toBe(before);
    // The freeze lifted: calls reach the tool again.
    await publishAndSee(feed, cleared('charge'));
    expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toBe(`${SERVER}: charged`);
    expect(tool.calls.charge).toBe(before + 1);

    const spans = exporter.getFinishedSpans();
    expect(
      spans.map((span) => [span.name, span.attributes['budgetwatch.fallback.activated'] ?? false]),
    ).toEqual([
      ['tools/call charge', false],
      ['tools/call charge', true],
      ['tools/call charge', false],
    ]);
    expect(spans[1]?.attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'charge',
      'mcp.server.name': SERVER,
      'budgetwatch.fallback.activated': true,
      'budgetwatch.policy.decision': 'deny',
      'budgetwatch.policy.expected': true,
      'budgetwatch.guard.reason': 'frozen',
    });
  });

  it('a function fallback gets the request and the block', async () => {
    const seen: string[] = [];
    const { feed, client } = await guarded({
      fallback: (request, block) => {
        seen.push(`${request.name}:${block.reason}:${block.subject}`);
        return { content: [{ type: 'text', text: 'cached answer' }] };
      },
    });
    await publishAndSee(feed, subject(null, ['frozen']));
    const result = await client.callTool({ name: 'charge', arguments: { amount: 3 } });
    expect(text(result)).toBe('cached answer');
    expect(seen).toEqual([`charge:frozen:${SERVER}`]);
  });

  it("another MCP server's tool as the fallback: it answers, and only one span is recorded", async () => {
    const backupClient = await connectClient(backup.url);
    cleanups.push(() => backupClient.close());
    const { feed, client } = await guarded({ fallback: { client: backupClient } });
    await publishAndSee(feed, subject('charge', ['frozen']));
    const before = { tool: tool.calls.charge, backup: backup.calls.charge };
    expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toBe('payments-backup: charged');
    expect({ tool: tool.calls.charge, backup: backup.calls.charge }).toEqual({
      tool: before.tool,
      backup: before.backup + 1,
    });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });
});

describe('kill switch', () => {
  it('blocks every call to the server, and probes never pass it', async () => {
    let skewMs = 0;
    const { feed, client } = await guarded({ probeIntervalMs: 1_000, now: () => Date.now() + skewMs });
    await publishAndSee(feed, subject(null, ['kill_switch'], 'operator'));
    const before = tool.calls.charge;
    for (let i = 0; i < 5; i++) {
      const result = await client.callTool({ name: 'charge', arguments: {} });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('the kill switch is engaged on payments-mcp');
      expect(text(result)).toContain('by ana (drill)');
      skewMs += 1_000;
    }
    expect((await client.callTool({ name: 'hold', arguments: {} })).isError).toBe(true);
    expect(tool.calls.charge).toBe(before);
    expect(
      exporter
        .getFinishedSpans()
        .every((span) => span.attributes['budgetwatch.guard.reason'] === 'kill_switch'),
    ).toBe(true);
  });
});

describe('concurrency lowered', () => {
  it('caps calls in flight per tool, queues within the bound and refuses beyond it', async () => {
    const { feed, client } = await guarded({ loweredConcurrency: 2, maxQueuedCalls: 2 });
    await publishAndSee(feed, subject('hold', ['concurrency_lowered']));
    const holdsBefore = tool.calls.hold;
    const calls = Array.from({ length: 4 }, () => client.callTool({ name: 'hold', arguments: {} }));
    await waitFor(() => tool.holding.now === 2 && client.guard.load('hold').queued === 2, {
      description: 'two calls at the tool and two queued',
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    await expect(client.callTool({ name: 'hold', arguments: {} })).rejects.toThrow(GuardQueueFullError);
    tool.releaseHolds();
    await waitFor(() => tool.calls.hold - holdsBefore === 4 && tool.holding.now === 2, {
      description: 'the queued two at the tool',
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    tool.releaseHolds();
    await Promise.all(calls);
    expect(tool.holding.max).toBe(2);
    expect(tool.calls.hold - holdsBefore).toBe(4);
    const refused = exporter
      .getFinishedSpans()
      .filter((span) => span.attributes['budgetwatch.guard.reason'] === 'concurrency_queue_full');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.attributes['budgetwatch.policy.expected']).toBe(true);
  });

  it('releases the queue when the decision clears', async () => {
    const { feed, client } = await guarded({ loweredConcurrency: 1 });
    await publishAndSee(feed, subject(null, ['concurrency_lowered']));
    const calls = Array.from({ length: 3 }, () => client.callTool({ name: 'hold', arguments: {} }));
    await waitFor(() => tool.holding.now === 1 && client.guard.load('hold').queued === 2, {
      description: 'one call at the tool and two queued',
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    await publishAndSee(feed, cleared(null));
    await waitFor(() => tool.holding.now === 3, {
      description: 'all three at the tool',
      timeoutMs: 1_000,
      intervalMs: 10,
    });
    tool.releaseHolds();
    await Promise.all(calls);
  });
});

describe('probes while frozen by rules (half-open)', () => {
  it('lets one real call through per interval; a healed tool answers it', async () => {
    let skewMs = 0;
    const { feed, client } = await guarded({ probeIntervalMs: 2_000, now: () => Date.now() + skewMs });
    tool.failing = true;
    await publishAndSee(feed, subject('charge', ['frozen']));
    const before = tool.calls.charge;
    expect((await client.callTool({ name: 'charge', arguments: {} })).isError).toBe(true);
    expect(tool.calls.charge).toBe(before);
    skewMs += 2_000;
    const failedProbe = await client.callTool({ name: 'charge', arguments: {} });
    expect(text(failedProbe)).toBe(`${SERVER}: the backend refused`);
    expect(tool.calls.charge).toBe(before + 1);
    expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toContain('Budgetwatch guard');
    tool.failing = false;
    skewMs += 2_000;
    expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toBe(`${SERVER}: charged`);
    expect(tool.calls.charge).toBe(before + 2);
    const probes = exporter
      .getFinishedSpans()
      .filter((span) => span.attributes['budgetwatch.guard.probe'] === true);
    expect(probes.map((span) => [span.status.code, span.attributes['error.type']])).toEqual([
      [2, 'tool_error'],
      [0, undefined],
    ]);
  });

  it('never probes an operator freeze', async () => {
    let skewMs = 0;
    const { feed, client } = await guarded({ probeIntervalMs: 1_000, now: () => Date.now() + skewMs });
    await publishAndSee(feed, subject('charge', ['frozen'], 'operator'));
    const before = tool.calls.charge;
    for (let i = 0; i < 4; i++) {
      expect((await client.callTool({ name: 'charge', arguments: {} })).isError).toBe(true);
      skewMs += 1_000;
    }
    expect(tool.calls.charge).toBe(before);
  });
});

describe('the feed is cut', () => {
  for (const whenStale of ['closed', 'open'] as const) {
    it(`fails ${whenStale} after staleAfterMs, then recovers and resumes with Last-Event-ID`, async () => {
      let skewMs = 0;
      const { feed, client } = await guarded({
        whenStale,
        staleAfterMs: 10_000,
        now: () => Date.now() + skewMs,
      });
      const version = stream.publish(subject('hold', ['audit_requested']));
      await waitFor(() => feed.subject(SERVER, 'hold') !== undefined, {
        description: 'the change',
        timeoutMs: 1_000,
        intervalMs: 5,
      });
      stream.cut();
      await waitFor(() => stream.openStreams === 0, {
        description: 'the stream gone',
        timeoutMs: 1_000,
        intervalMs: 5,
      });
      // Within the bound: still fresh.
      skewMs = 9_000;
      expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toBe(`${SERVER}: charged`);
      skewMs = 10_500;
      const result = await client.callTool({ name: 'charge', arguments: {} });
      if (whenStale === 'closed') {
        expect(result.isError).toBe(true);
        expect(text(result)).toBe(
          `Budgetwatch guard: the call to ${SERVER}/charge was not sent: the decision feed is stale and the guard fails closed.`,
        );
        expect(exporter.getFinishedSpans().at(-1)?.attributes['budgetwatch.guard.reason']).toBe('feed_stale');
      } else {
        expect(text(result)).toBe(`${SERVER}: charged`);
      }
      // A change made while the feed was cut reaches the guard on resume, without a snapshot.
      stream.publish(subject('charge', ['frozen']));
      stream.restore();
      await waitFor(() => feed.subject(SERVER, 'charge') !== undefined, {
        description: 'the change missed while cut',
        timeoutMs: 5_000,
        intervalMs: 10,
      });
      expect(stream.lastEventIds.at(-1)).toBe(String(version));
      expect(stream.lastEventIds[0]).toBe('');
      // Fresh again (the skewed clock moved on with the bytes), and the freeze applies.
      const recovered = await client.callTool({ name: 'charge', arguments: {} });
      expect(text(recovered)).toContain('calls are frozen');
    });
  }

  it('is stale before the first snapshot: fail closed answers from the fallback', async () => {
    stream.cut();
    const feed = new SseDecisionFeed({ apiUrl: stream.url, token: TOKEN, server: SERVER, maxBackoffMs: 200 });
    cleanups.push(() => feed.close());
    const client = await connectClient(tool.url);
    cleanups.push(() => client.close());
    const closed = guardClient(client, {
      server: SERVER,
      feed,
      whenStale: 'closed',
      tracer: provider.getTracer('g'),
    });
    expect((await closed.callTool({ name: 'charge', arguments: {} })).isError).toBe(true);
    stream.restore();
    await feed.whenSynced(5_000);
    expect(text(await closed.callTool({ name: 'charge', arguments: {} }))).toBe(`${SERVER}: charged`);
  });

  it('a wrong token is reported, not mistaken for a feed', async () => {
    const errors: string[] = [];
    const feed = new SseDecisionFeed({
      apiUrl: stream.url,
      token: 'wrong',
      onError: (error) => errors.push(error.message),
    });
    cleanups.push(() => feed.close());
    await waitFor(() => errors.length > 0, { description: 'an error', timeoutMs: 5_000 });
    expect(errors[0]).toBe('the decision stream answered 401 Unauthorized');
    expect(feed.freshness().synced).toBe(false);
  });
});

describe('the compacted decisions topic', () => {
  const topics = useTopics();

  it('bootstraps from offset 0, honours tombstones, follows changes, and answered fetches keep it fresh', async () => {
    const topic = await topics.create('guard-decisions', {
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    });
    const kafka = testKafka('guard-test');
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const record = (change: SubjectDecisions) => ({
      key: change.key,
      value: change.decisions.length === 0 ? null : JSON.stringify(change),
    });
    await producer.send({
      topic,
      messages: [
        record(subject('charge', ['frozen'])),
        record(subject(null, ['kill_switch'], 'operator')),
        record(subject('hold', ['concurrency_lowered'])),
        // Tombstones: the kill switch was released, and the hold tool's cap lifted.
        { key: SERVER, value: null },
        { key: `${SERVER}/hold`, value: null },
        record(subject('other', ['frozen'])),
      ],
    });
    const feed = new KafkaDecisionFeed({ kafka, topic, servers: [SERVER], maxWaitTimeInMs: 200 });
    cleanups.push(() => feed.close());
    await feed.start();
    await feed.whenSynced(30_000);
    expect(feed.subject(SERVER, null)).toBeUndefined();
    expect(feed.subject(SERVER, 'hold')).toBeUndefined();
    expect(feed.subject(SERVER, 'charge')?.decisions.map((decision) => decision.kind)).toEqual(['frozen']);
    expect(feed.subject(SERVER, 'other')?.decisions.map((decision) => decision.kind)).toEqual(['frozen']);

    const client = await connectClient(tool.url);
    cleanups.push(() => client.close());
    const guardedClient = guardClient(client, { server: SERVER, feed, tracer: provider.getTracer('g') });
    expect((await guardedClient.callTool({ name: 'charge', arguments: {} })).isError).toBe(true);

    const started = performance.now();
    await producer.send({ topic, messages: [{ key: `${SERVER}/charge`, value: null }] });
    await waitFor(() => feed.subject(SERVER, 'charge') === undefined, {
      description: 'the tombstone applied',
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(text(await guardedClient.callTool({ name: 'charge', arguments: {} }))).toBe(`${SERVER}: charged`);
    // Answered fetches keep it fresh although no record arrives.
    const seen = feed.freshness().lastActivityMs ?? 0;
    await waitFor(() => (feed.freshness().lastActivityMs ?? 0) > seen, {
      description: 'an answered fetch',
      timeoutMs: 5_000,
    });
  });
});
