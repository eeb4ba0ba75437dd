/**
 * `budgetwatch guard-proxy` as a process of its own, in front of a real MCP server: an unmodified
 * SDK Client pointed at the proxy gets the guard's behaviour, and the proxy reports each call as
 * one span by OTLP with the intake token.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileRecognizer, extractToolCalls, NO_INVENTORY } from '@budgetwatch/domain';
import { DecisionStore, type SubjectDecisions } from '@budgetwatch/mcp-guard';
import { startGuardProxy } from '@budgetwatch/mcp-guard/proxy';
import { decodeTraces, type OtlpSpan } from '@budgetwatch/otlp';
import { waitFor } from '@budgetwatch/testkit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBudgetwatch } from '../support/cli.js';
import { type DecisionStreamServer, startDecisionStreamServer } from '../support/decision-stream-server.js';
import { type SwitchableMcpServer, startSwitchableMcpServer } from '../support/switchable-mcp-server.js';

const READ_TOKEN = 'read-token-guard-proxy-test';
const INTAKE_TOKEN = 'intake-token-guard-proxy-test';
const SERVER = 'payments-mcp';
const SINCE = '2026-11-28T10:00:00.000Z';

function decisions(tool: string | null, kinds: string[]): SubjectDecisions {
  return {
    key: tool === null ? SERVER : `${SERVER}/${tool}`,
    server: SERVER,
    tool,
    fallbackMode: null,
    decisions: kinds.map((kind) => ({
      kind,
      since: SINCE,
      causes: [{ rule: 'operator', since: SINCE, eventId: `ev-${kind}`, actor: 'ana', reason: 'drill' }],
    })),
  };
}

function text(result: object): string | undefined {
  const content = 'content' in result ? (result.content as Array<{ text?: string }>) : [];
  return content[0]?.text;
}

/** An OTLP/HTTP receiver that keeps the spans and the authorization header of each export. */
async function startIntake() {
  const spans: OtlpSpan[] = [];
  const authorizations: Array<string | undefined> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      authorizations.push(request.headers.authorization);
      spans.push(...decodeTraces(Buffer.concat(chunks), request.headers['content-type']));
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    spans,
    authorizations,
    async close() {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}

let upstream: SwitchableMcpServer;
let stream: DecisionStreamServer;
let intake: Awaited<ReturnType<typeof startIntake>>;
let proxy: ChildProcess;
let proxyUrl: string;
let stderr = '';

beforeAll(async () => {
  upstream = await startSwitchableMcpServer(SERVER);
  stream = await startDecisionStreamServer({ token: READ_TOKEN, heartbeatMs: 500 });
  intake = await startIntake();
  proxy = spawnBudgetwatch(
    [
      'guard-proxy',
      '--upstream',
      `${SERVER}=${upstream.url}`,
      '--api',
      stream.url,
      '--otlp-url',
      intake.url,
      '--port',
      '0',
    ],
    { BUDGETWATCH_API_READ_TOKEN: READ_TOKEN, BUDGETWATCH_INTAKE_TOKEN: INTAKE_TOKEN },
  );
  let stdout = '';
  proxy.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  proxy.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  proxyUrl = await waitFor(() => /guard-proxy: (http:\/\/\S+) -> /.exec(stdout)?.[1], {
    description: `the proxy to listen (stderr: ${stderr})`,
    timeoutMs: 30_000,
  });
  await waitFor(() => stream.openStreams > 0, {
    description: 'the proxy on the decision stream',
    timeoutMs: 10_000,
  });
});

afterAll(async () => {
  if (proxy.exitCode === null) {
    proxy.kill('SIGTERM');
    await once(proxy, 'exit');
  }
  await upstream.close();
  await stream.close();
  await intake.close();
});

describe('budgetwatch guard-proxy', () => {
  it('an unmodified SDK client gets the guard: tools listed, calls through, frozen and kill switch blocked', async () => {
    const client = new Client({ name: 'any-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(proxyUrl)));
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['charge', 'hold']);
      expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toBe(`${SERVER}: charged`);
      // Resources pass through.
      const status = await client.readResource({ uri: 'status://backend' });
      expect(status.contents).toEqual([{ uri: 'status://backend', text: 'healthy' }]);

      upstream.failing = true;
      const failed = await client.callTool({ name: 'charge', arguments: {} });
      expect(failed.isError).toBe(true);
      upstream.failing = false;

      const before = upstream.calls.charge;
      stream.publish(decisions('charge', ['frozen']));
      const frozen = await waitFor(
        async () => {
          const result = await client.callTool({ name: 'charge', arguments: {} });
          return text(result)?.startsWith('Budgetwatch guard') === true ? result : undefined;
        },
        { description: 'a frozen answer', timeoutMs: 1_000, intervalMs: 20 },
      );
      expect(text(frozen)).toBe(
        `Budgetwatch guard: the call to ${SERVER}/charge was not sent: calls are frozen on ${SERVER}/charge since ${SINCE} by ana (drill).`,
      );
      const passedBeforeBlock = upstream.calls.charge - before;

      stream.publish(decisions('charge', []));
      stream.publish(decisions(null, ['kill_switch']));
      await waitFor(
        async () =>
          text(await client.callTool({ name: 'hold', arguments: {} }))?.includes(
            'the kill switch is engaged',
          ) === true,
        { description: 'the kill switch to block', timeoutMs: 1_000, intervalMs: 20 },
      );
      expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toContain(
        'the kill switch is engaged',
      );
      expect(upstream.calls.hold).toBe(0);

      stream.publish(decisions(null, []));
      await waitFor(
        async () => text(await client.callTool({ name: 'charge', arguments: {} })) === `${SERVER}: charged`,
        {
          description: 'calls to flow again',
          timeoutMs: 1_000,
          intervalMs: 20,
        },
      );

      // Every call the client made is one span at the intake, sent with the intake token.
      await waitFor(() => intake.spans.length >= 6 + passedBeforeBlock, {
        description: 'the spans',
        timeoutMs: 15_000,
      });
      expect(new Set(intake.authorizations)).toEqual(new Set([`Bearer ${INTAKE_TOKEN}`]));
      const counted = extractToolCalls(intake.spans, {
        recognizer: compileRecognizer(),
        perspective: 'client',
        resolveInventory: NO_INVENTORY,
        nowMs: Date.now(),
        plausibility: { maxAgeMs: 3_600_000, maxLatencyMs: 60_000 },
      });
      const outcomes = counted.map((call) =>
        call.kind === 'call' ? `${call.call.server}/${call.call.tool}:${call.call.outcome}` : call.kind,
      );
      expect(outcomes.slice(0, 2)).toEqual([`${SERVER}/charge:ok`, `${SERVER}/charge:error`]);
      expect(outcomes).toContain(`${SERVER}/charge:blocked_expected`);
      expect(outcomes).toContain(`${SERVER}/hold:blocked_expected`);
      expect(outcomes.at(-1)).toBe(`${SERVER}/charge:ok`);
    } finally {
      await client.close();
    }
  });

  it('answers an unknown server path with 404 and says which paths it serves', async () => {
    const response = await fetch(new URL('/mcp/nope', proxyUrl), { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain(`/mcp/${SERVER}`);
  });

  it('bounds its sessions and says so, and answers 502 for an upstream it cannot reach', async () => {
    const feed = new DecisionStore(Date.now);
    feed.replaceAll([]);
    const bounded = await startGuardProxy({
      upstreams: [
        { id: SERVER, url: upstream.url },
        { id: 'gone-mcp', url: 'http://127.0.0.1:1/mcp' },
      ],
      feed,
      maxSessions: 1,
    });
    const first = new Client({ name: 'first', version: '1.0.0' });
    const second = new Client({ name: 'second', version: '1.0.0' });
    const firstTransport = new StreamableHTTPClientTransport(new URL(`${bounded.url}/mcp/${SERVER}`));
    try {
      await first.connect(firstTransport);
      expect(bounded.sessions).toBe(1);
      await expect(
        second.connect(new StreamableHTTPClientTransport(new URL(`${bounded.url}/mcp/${SERVER}`))),
      ).rejects.toThrow(/1 sessions are open/);
      // A client that ends its session (DELETE) frees its place.
      await firstTransport.terminateSession();
      await first.close();
      await waitFor(() => bounded.sessions === 0, {
        description: 'the session closed',
        timeoutMs: 5_000,
        intervalMs: 10,
      });
      const unreachable = new Client({ name: 'third', version: '1.0.0' });
      await expect(
        unreachable.connect(new StreamableHTTPClientTransport(new URL(`${bounded.url}/mcp/gone-mcp`))),
      ).rejects.toThrow(/upstream gone-mcp is unreachable/);
    } finally {
      await bounded.close();
    }
  });

  it("routes a blocked call to its fallback upstream's tool, as one span on the blocked server", async () => {
    const backup = await startSwitchableMcpServer('payments-backup');
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const feed = new DecisionStore(Date.now);
    feed.replaceAll([decisions('charge', ['frozen'])]);
    const withFallback = await startGuardProxy({
      upstreams: [
        { id: SERVER, url: upstream.url, fallback: 'payments-backup' },
        { id: 'payments-backup', url: backup.url },
      ],
      feed,
      guard: { tracer: provider.getTracer('proxy') },
    });
    const client = new Client({ name: 'agent', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${withFallback.url}/mcp/${SERVER}`)));
      const before = upstream.calls.charge;
      expect(text(await client.callTool({ name: 'charge', arguments: {} }))).toBe('payments-backup: charged');
      expect(upstream.calls.charge).toBe(before);
      expect(backup.calls.charge).toBe(1);
      expect(
        exporter
          .getFinishedSpans()
          .map((span) => [
            span.attributes['mcp.server.name'],
            span.attributes['budgetwatch.fallback.activated'],
          ]),
      ).toEqual([[SERVER, true]]);
    } finally {
      await client.close();
      await withFallback.close();
      await backup.close();
      await provider.shutdown();
    }
  });

  it('refuses a fallback that is no upstream', async () => {
    await expect(
      startGuardProxy({
        upstreams: [{ id: SERVER, url: upstream.url, fallback: 'nope' }],
        feed: new DecisionStore(Date.now),
      }),
    ).rejects.toThrow('guard-proxy: the fallback of payments-mcp, nope, is no upstream');
  });

  it('caps calls in flight per tool across all sessions of an upstream', async () => {
    const feed = new DecisionStore(Date.now);
    feed.replaceAll([decisions('hold', ['concurrency_lowered'])]);
    const capped = await startGuardProxy({
      upstreams: [{ id: SERVER, url: upstream.url }],
      feed,
      guard: { loweredConcurrency: 1 },
    });
    const agents = [new Client({ name: 'a', version: '1.0.0' }), new Client({ name: 'b', version: '1.0.0' })];
    try {
      for (const agent of agents)
        await agent.connect(new StreamableHTTPClientTransport(new URL(`${capped.url}/mcp/${SERVER}`)));
      const holdsBefore = upstream.calls.hold;
      const maxBefore = upstream.holding.max;
      upstream.holding.max = 0;
      const calls = agents.map((agent) => agent.callTool({ name: 'hold', arguments: {} }));
      await waitFor(() => upstream.holding.now === 1, {
        description: 'one call at the upstream',
        timeoutMs: 5_000,
        intervalMs: 10,
      });
      upstream.releaseHolds();
      await waitFor(() => upstream.calls.hold - holdsBefore === 2 && upstream.holding.now === 1, {
        description: "the other session's call at the upstream",
        timeoutMs: 5_000,
        intervalMs: 10,
      });
      upstream.releaseHolds();
      await Promise.all(calls);
      expect(upstream.holding.max).toBe(1);
      upstream.holding.max = Math.max(maxBefore, 1);
    } finally {
      for (const agent of agents) await agent.close();
      await capped.close();
    }
  });
});
