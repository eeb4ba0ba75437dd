/**
 * The guard's real spans (real OTel SDK, real MCP SDK client and server linked in memory), sent
 * as OTLP protobuf and read back by Budgetwatch's own decoder and extraction: exactly the server,
 * tool and outcome each call must count as.
 */
import { compileRecognizer, type Extraction, extractToolCalls, NO_INVENTORY } from '@budgetwatch/domain';
import { decodeTraces } from '@budgetwatch/otlp';
import { otlpProtobuf } from '@budgetwatch/testkit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DecisionStore } from './decision-feed.js';
import { guardClient } from './guard-client.js';
import type { SubjectDecisions } from './subject-decisions.js';

const SERVER = 'payments-mcp';
const FALLBACK_SERVER = 'payments-backup';

async function connectedToolServer(name: string): Promise<{ client: Client; close: () => Promise<void> }> {
  const server = new McpServer({ name, version: '1.0.0' });
  server.registerTool(
    'charge',
    { inputSchema: { outcome: z.enum(['ok', 'isError', 'protocolError']) } },
    ({ outcome }) => {
      if (outcome === 'protocolError')
        throw new McpError(ErrorCode.UrlElicitationRequired, 'backend down', { elicitations: [] });
      return { content: [{ type: 'text', text: `${name}: ${outcome}` }], isError: outcome === 'isError' };
    },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

function frozen(tool: string | null, kind = 'frozen'): SubjectDecisions {
  return {
    key: tool === null ? SERVER : `${SERVER}/${tool}`,
    server: SERVER,
    tool,
    fallbackMode: 'degrade',
    decisions: [
      {
        kind,
        since: '2026-11-28T10:00:00.000Z',
        causes: [{ rule: 'error-rate', since: '2026-11-28T10:00:00.000Z', eventId: 'e1' }],
      },
    ],
  };
}

let exporter: InMemorySpanExporter;
let provider: TracerProvider;
let feed: DecisionStore;
let primary: Awaited<ReturnType<typeof connectedToolServer>>;
let backup: Awaited<ReturnType<typeof connectedToolServer>>;

beforeEach(async () => {
  exporter = new InMemorySpanExporter();
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'guarded-agent' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  feed = new DecisionStore(Date.now);
  feed.replaceAll([]);
  primary = await connectedToolServer(SERVER);
  backup = await connectedToolServer(FALLBACK_SERVER);
});

afterEach(async () => {
  await primary.close();
  await backup.close();
  await provider.shutdown();
});

/** What Budgetwatch's intake makes of the spans recorded so far. */
function counted(): Extraction[] {
  const spans = decodeTraces(
    Buffer.from(otlpProtobuf(exporter.getFinishedSpans())),
    'application/x-protobuf',
  );
  return extractToolCalls(spans, {
    recognizer: compileRecognizer(),
    perspective: 'client',
    resolveInventory: NO_INVENTORY,
    nowMs: Date.now(),
    plausibility: { maxAgeMs: 3_600_000, maxLatencyMs: 60_000 },
  });
}

describe('the guard records each call as one span Budgetwatch counts exactly', () => {
  it('real calls: ok, isError (tool_error) and a protocol error (its JSON-RPC code)', async () => {
    const guarded = guardClient(primary.client, { server: SERVER, feed, tracer: provider.getTracer('t') });
    await guarded.callTool({ name: 'charge', arguments: { outcome: 'ok' } });
    await guarded.callTool({ name: 'charge', arguments: { outcome: 'isError' } });
    await expect(
      guarded.callTool({ name: 'charge', arguments: { outcome: 'protocolError' } }),
    ).rejects.toThrow(McpError);

    const spans = exporter.getFinishedSpans();
    expect(
      spans.map((span) => [span.name, span.kind, span.status.code, span.attributes['error.type']]),
    ).toEqual([
      ['tools/call charge', 2, SpanStatusCode.UNSET, undefined],
      ['tools/call charge', 2, SpanStatusCode.ERROR, 'tool_error'],
      ['tools/call charge', 2, SpanStatusCode.ERROR, String(ErrorCode.UrlElicitationRequired)],
    ]);
    expect(spans[0]?.attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'charge',
      'mcp.server.name': SERVER,
    });
    const calls = counted();
    expect(
      calls.map((call) =>
        call.kind === 'call'
          ? [call.profile, call.call.server, call.call.tool, call.call.outcome, call.call.fallback]
          : call.kind,
      ),
    ).toEqual([
      ['otel-semconv-client', SERVER, 'charge', 'ok', false],
      ['otel-semconv-client', SERVER, 'charge', 'error', false],
      ['otel-semconv-client', SERVER, 'charge', 'error', false],
    ]);
  });

  it('a blocked call: a fallback activation, an expected block, never an error of the tool', async () => {
    feed.put(frozen('charge'));
    const guarded = guardClient(primary.client, { server: SERVER, feed, tracer: provider.getTracer('t') });
    const result = await guarded.callTool({ name: 'charge', arguments: { outcome: 'ok' } });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      {
        type: 'text',
        text: `Budgetwatch guard: the call to ${SERVER}/charge was not sent: calls are frozen on ${SERVER}/charge since 2026-11-28T10:00:00.000Z.`,
      },
    ]);
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes).toMatchObject({
      'budgetwatch.fallback.activated': true,
      'budgetwatch.policy.decision': 'deny',
      'budgetwatch.policy.expected': true,
      'budgetwatch.guard.reason': 'frozen',
    });
    expect(span?.attributes['error.type']).toBeUndefined();
    const [call] = counted();
    expect(call).toMatchObject({
      kind: 'call',
      call: { server: SERVER, tool: 'charge', outcome: 'blocked_expected', fallback: true },
    });
  });

  it('a fallback to another MCP server: one span, one count, on the blocked server', async () => {
    feed.put(frozen(null, 'kill_switch'));
    // The fallback client is itself guarded (the backup server has no decisions): its span must not count.
    const backupGuarded = guardClient(backup.client, {
      server: FALLBACK_SERVER,
      feed,
      tracer: provider.getTracer('t'),
    });
    const guarded = guardClient(primary.client, {
      server: SERVER,
      feed,
      tracer: provider.getTracer('t'),
      fallback: { client: backupGuarded },
    });
    const result = await guarded.callTool({ name: 'charge', arguments: { outcome: 'ok' } });
    expect(result.content).toEqual([{ type: 'text', text: `${FALLBACK_SERVER}: ok` }]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    const calls = counted();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      kind: 'call',
      call: { server: SERVER, tool: 'charge', outcome: 'blocked_expected', fallback: true },
    });
  });

  it('a probe is a real call marked as a probe, counted with its real outcome', async () => {
    let nowMs = 1_000_000;
    feed = new DecisionStore(() => nowMs);
    feed.replaceAll([frozen('charge')]);
    const guarded = guardClient(primary.client, {
      server: SERVER,
      feed,
      tracer: provider.getTracer('t'),
      probeIntervalMs: 1_000,
      now: () => nowMs,
    });
    await guarded.callTool({ name: 'charge', arguments: { outcome: 'isError' } });
    nowMs += 1_000;
    await guarded.callTool({ name: 'charge', arguments: { outcome: 'isError' } });
    nowMs += 10;
    await guarded.callTool({ name: 'charge', arguments: { outcome: 'isError' } });
    const spans = exporter.getFinishedSpans();
    expect(
      spans.map((span) => [
        span.attributes['budgetwatch.guard.probe'],
        span.attributes['budgetwatch.fallback.activated'],
      ]),
    ).toEqual([
      [undefined, true],
      [true, undefined],
      [undefined, true],
    ]);
    // The timestamps are the fake clock's only for the guard; the spans keep real time.
    expect(counted().map((call) => (call.kind === 'call' ? call.call.outcome : call.kind))).toEqual([
      'blocked_expected',
      'error',
      'blocked_expected',
    ]);
  });
});

describe('a fallback through an instrumented client', () => {
  it("is not counted again: other instrumentations' spans are suppressed under a context manager", async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      feed.put(frozen('charge'));
      const tracer = provider.getTracer('t');
      // What an MCP instrumentation does around each call of the client it wraps.
      const instrumentedBackup = {
        callTool: (...args: Parameters<Client['callTool']>) =>
          tracer.startActiveSpan(
            'tools/call charge',
            { kind: 2, attributes: { 'mcp.method.name': 'tools/call', 'mcp.server.name': FALLBACK_SERVER } },
            async (span) => {
              try {
                return await backup.client.callTool(...args);
              } finally {
                span.end();
              }
            },
          ),
      };
      const guarded = guardClient(primary.client, {
        server: SERVER,
        feed,
        tracer,
        fallback: { client: instrumentedBackup },
      });
      const result = await guarded.callTool({ name: 'charge', arguments: { outcome: 'ok' } });
      expect(result.content).toEqual([{ type: 'text', text: `${FALLBACK_SERVER}: ok` }]);
      expect(exporter.getFinishedSpans().map((span) => span.attributes['mcp.server.name'])).toEqual([SERVER]);
    } finally {
      context.disable();
    }
  });
});
