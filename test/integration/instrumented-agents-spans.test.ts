import { type OtlpSpan, SpanKind, StatusCode } from '@budgetwatch/otlp';
import { waitFor } from '@budgetwatch/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callMix, FIXTURE_TOOLS } from '../support/instrumented-agents/call-mix.js';
import { FIXTURE_SERVER_NAME } from '../support/instrumented-agents/fixture-server-name.js';
import { type AgentName, type AgentOptions, runAgent } from '../support/instrumented-agents/run-agent.js';
import { type SpanCapture, startSpanCapture } from '../support/instrumented-agents/span-capture.js';

/**
 * What each real instrumentation package emits for the same 50 MCP tool calls (37 ok, 8 isError,
 * 5 JSON-RPC errors), run as a real agent process against a real MCP server. These are the shapes
 * the recognition profiles rely on: a new version of a package that changes them fails here.
 * docs/contract.md describes the profiles; the README's "How agents send spans" sums them up.
 */

let capture: SpanCapture;
beforeEach(async () => {
  capture = await startSpanCapture();
});
afterEach(async () => {
  await capture.close();
});

const expectedOutcomes = callMix().map((call) => call.outcome);
const toolPattern = FIXTURE_TOOLS.join('|');

/** Runs the agent, checks that the calls went as planned, and waits for `count` spans matching `isToolSpan`. */
async function toolSpans(
  agent: AgentName,
  options: Omit<AgentOptions, 'otlpUrl'>,
  isToolSpan: (span: OtlpSpan) => boolean,
): Promise<OtlpSpan[]> {
  const run = await runAgent(agent, { otlpUrl: capture.tracesUrl, ...options });
  expect(run.seen).toEqual(expectedOutcomes);
  // A server-side exporter may still be flushing when the agent has exited.
  return waitFor(
    () => {
      const spans = capture.spans.filter(isToolSpan);
      return spans.length >= expectedOutcomes.length ? spans : undefined;
    },
    { description: `${expectedOutcomes.length} tool spans from ${agent}`, timeoutMs: 15_000 },
  );
}

/** Spans per `tool/status`, and the attribute keys each group carries (sorted, distinct). */
function tally(spans: OtlpSpan[], toolOf: (span: OtlpSpan) => string) {
  const counts: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  for (const span of spans) {
    const key = `${toolOf(span)}/${statusName(span.statusCode)}`;
    counts[key] = (counts[key] ?? 0) + 1;
    statuses[statusName(span.statusCode)] = (statuses[statusName(span.statusCode)] ?? 0) + 1;
  }
  return { counts, statuses };
}

function statusName(code: number): string {
  return code === StatusCode.ok ? 'ok' : code === StatusCode.error ? 'error' : 'unset';
}

function keysOf(spans: OtlpSpan[]): string[][] {
  const distinct = new Set(spans.map((span) => JSON.stringify(Object.keys(span.attributes).sort())));
  return [...distinct].map((keys) => JSON.parse(keys) as string[]).sort();
}

describe('@traceloop/instrumentation-mcp on the MCP SDK client', () => {
  for (const transport of ['stdio', 'http'] as const) {
    it(`emits one CLIENT span "<tool>.tool" per call, status ERROR for isError and protocol errors (${transport})`, async () => {
      const spans = await toolSpans('traceloop', { transport }, (span) => span.name.endsWith('.tool'));
      expect(spans).toHaveLength(50);
      for (const span of spans) {
        expect(span.kind).toBe(SpanKind.client);
        expect(span.attributes['traceloop.span.kind']).toBe('tool');
        expect(span.name).toBe(`${span.attributes['traceloop.entity.name']}.tool`);
        // No server identity, over stdio or Streamable HTTP alike.
        expect(
          Object.keys(span.attributes).filter((key) => key.startsWith('server.') || key.startsWith('mcp.')),
        ).toEqual([]);
      }
      const { counts, statuses } = tally(spans, (span) => String(span.attributes['traceloop.entity.name']));
      expect(statuses).toEqual({ ok: 37, error: 13 });
      expect(counts).toEqual({
        'search_docs/ok': 15,
        'search_docs/error': 5,
        'create_ticket/ok': 12,
        'create_ticket/error': 5,
        'get_weather/ok': 10,
        'get_weather/error': 3,
      });
      // The one difference between an isError result and a JSON-RPC error: the output attribute.
      const errors = spans.filter((span) => span.statusCode === StatusCode.error);
      expect(errors.filter((span) => 'traceloop.entity.output' in span.attributes)).toHaveLength(8);
      expect(resourceNames(spans)).toEqual(['traceloop-agent']);
    });
  }
});

describe('@shinzolabs/instrumentation-mcp on the MCP server (McpServer, server.tool)', () => {
  it('emits one INTERNAL span "tools/call <tool>" per call in the server; isError results look ok', async () => {
    const spans = await toolSpans(
      'plain',
      { fixtureApi: 'mcp-server', shinzoEndpoint: capture.baseUrl },
      (span) => span.name.startsWith('tools/call '),
    );
    expect(spans).toHaveLength(50);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.internal);
      expect(span.attributes['mcp.method.name']).toBe('tools/call');
      expect(span.name).toBe(`tools/call ${span.attributes['mcp.tool.name']}`);
    }
    // The server's name, as given to instrumentServer, is the resource's service.name.
    expect(resourceNames(spans)).toEqual([FIXTURE_SERVER_NAME]);
    const { statuses } = tally(spans, (span) => String(span.attributes['mcp.tool.name']));
    // Shinzo wraps the tool handler: an isError result is a normal return (status OK); only the
    // five thrown errors are ERROR, with error.type.
    expect(statuses).toEqual({ ok: 45, error: 5 });
    const errors = spans.filter((span) => span.statusCode === StatusCode.error);
    expect(errors.map((span) => span.attributes['error.type'])).toEqual(Array(5).fill('McpError'));
    expect(keysOf(spans.filter((span) => span.statusCode === StatusCode.ok))).toEqual([
      ['client.address', 'mcp.method.name', 'mcp.request.id', 'mcp.session.id', 'mcp.tool.name'],
    ]);
  });
});

describe('Vercel AI SDK (ai, @ai-sdk/mcp client, scripted model from ai/test)', () => {
  it('with @ai-sdk/otel OpenTelemetry: INTERNAL "execute_tool <tool>" spans (GenAI conventions); isError is not an error', async () => {
    const spans = await toolSpans(
      'aiSdk',
      {},
      (span) => span.attributes['gen_ai.operation.name'] === 'execute_tool',
    );
    expect(spans).toHaveLength(50);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.internal);
      expect(span.name).toBe(`execute_tool ${span.attributes['gen_ai.tool.name']}`);
    }
    const { counts, statuses } = tally(spans, (span) => String(span.attributes['gen_ai.tool.name']));
    expect(statuses).toEqual({ unset: 45, error: 5 });
    expect(counts).toEqual({
      'search_docs/unset': 18,
      'search_docs/error': 2,
      'create_ticket/unset': 15,
      'create_ticket/error': 2,
      'get_weather/unset': 12,
      'get_weather/error': 1,
    });
    // The isError flag is only inside the recorded result.
    const flagged = spans.filter((span) =>
      String(span.attributes['gen_ai.tool.call.result']).includes('"isError":true'),
    );
    expect(flagged).toHaveLength(8);
  });

  it('with LegacyOpenTelemetry: INTERNAL "ai.toolCall" spans (AI SDK 6 shape), the same outcomes', async () => {
    const spans = await toolSpans(
      'aiSdk',
      { aiSdkTelemetry: 'legacy' },
      (span) => span.attributes['ai.operationId'] === 'ai.toolCall',
    );
    expect(spans).toHaveLength(50);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.internal);
      expect(span.name).toBe('ai.toolCall');
      expect(span.attributes['ai.toolCall.name']).toMatch(new RegExp(`^(${toolPattern})$`));
    }
    expect(tally(spans, (span) => String(span.attributes['ai.toolCall.name'])).statuses).toEqual({
      unset: 45,
      error: 5,
    });
  });
});

describe('@arizeai/openinference-instrumentation-langchain with @langchain/mcp-adapters tools', () => {
  it('emits INTERNAL TOOL spans named after the tool; isError and protocol errors are both ERROR', async () => {
    const spans = await toolSpans(
      'langchain',
      {},
      (span) => span.attributes['openinference.span.kind'] === 'TOOL',
    );
    expect(spans).toHaveLength(50);
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.internal);
      expect(span.name).toBe(span.attributes['tool.name']);
    }
    const { counts, statuses } = tally(spans, (span) => String(span.attributes['tool.name']));
    expect(statuses).toEqual({ ok: 37, error: 13 });
    expect(counts['search_docs/error']).toBe(5);
    expect(resourceNames(spans)).toEqual(['langchain-agent']);
  });
});

describe('@arizeai/openinference-instrumentation-mcp on the MCP SDK stdio client', () => {
  it('records no span of the calls', async () => {
    const run = await runAgent('openinferenceMcp', { otlpUrl: capture.tracesUrl });
    expect(run.seen).toEqual(expectedOutcomes);
    // The agent's exporter is flushed and shut down before the agent exits: nothing came.
    expect(capture.spans).toEqual([]);
  });
});

function resourceNames(spans: OtlpSpan[]): string[] {
  return [...new Set(spans.map((span) => String(span.resource['service.name'])))];
}
