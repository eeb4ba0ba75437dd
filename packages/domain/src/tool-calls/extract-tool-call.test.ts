import { describe, expect, it } from 'vitest';
import { compileRecognizer } from '../recognition/recognizer.js';
import { type ExtractionContext, extractToolCall, type SpanInput } from './extract-tool-call.js';
import { UNATTRIBUTED_SERVER } from './server-identity.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const context: ExtractionContext = {
  recognizer: compileRecognizer(),
  perspective: 'client',
  resolveInventory: () => undefined,
  nowMs: NOW,
  plausibility: { maxAgeMs: 24 * 3600_000, maxLatencyMs: 3_600_000 },
};

function span(
  overrides: Partial<SpanInput> & { attrs?: Record<string, string | number | boolean> },
): SpanInput {
  const { attrs, ...rest } = overrides;
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    name: 'tools/call search',
    kind: 3,
    startTimeMs: NOW - 250,
    endTimeMs: NOW - 50,
    statusCode: 0,
    attributes: {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'search',
      'mcp.server.name': 'docs',
      ...attrs,
    },
    resource: { 'service.name': 'agent' },
    ...rest,
  };
}

describe('extractToolCall', () => {
  const cases: { name: string; input: SpanInput; expected: Record<string, unknown> }[] = [
    {
      name: 'MCP client span',
      input: span({}),
      expected: {
        kind: 'call',
        call: {
          server: 'docs',
          tool: 'search',
          outcome: 'ok',
          latencyMs: 200,
          eventTimeMs: NOW - 50,
          drill: false,
          fallback: false,
          unregistered: true,
        },
      },
    },
    {
      name: 'GenAI execute_tool span',
      input: span({
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'calc' },
        name: 'execute_tool calc',
      }),
      expected: { kind: 'call', call: { tool: 'calc', server: UNATTRIBUTED_SERVER }, attributed: false },
    },
    {
      name: 'merged span counts once with both conventions',
      input: span({ attrs: { 'gen_ai.operation.name': 'execute_tool' } }),
      expected: { kind: 'call', call: { tool: 'search' } },
    },
    {
      name: 'tool name only in the span name',
      input: span({
        name: 'tools/call  get_weather ',
        attributes: { 'mcp.method.name': 'tools/call', 'mcp.server.name': 'wx' },
      }),
      expected: { kind: 'call', call: { tool: 'get_weather', server: 'wx' } },
    },
    {
      name: 'no tool name anywhere',
      input: span({ name: 'tools/call', attributes: { 'mcp.method.name': 'tools/call' } }),
      expected: { kind: 'invalid', reason: 'missing_tool_name' },
    },
    {
      name: 'not a tool call',
      input: span({ attributes: { 'mcp.method.name': 'resources/read' } }),
      expected: { kind: 'not_tool_call' },
    },
    {
      name: 'server span in client perspective',
      input: span({ kind: 2 }),
      expected: { kind: 'other_perspective' },
    },
    {
      name: 'status ERROR is an error',
      input: span({ statusCode: 2 }),
      expected: { kind: 'call', call: { outcome: 'error' } },
    },
    {
      name: 'error.type tool_error is an error',
      input: span({ attrs: { 'error.type': 'tool_error' } }),
      expected: { kind: 'call', call: { outcome: 'error' } },
    },
    {
      name: 'policy deny is an unexpected block',
      input: span({ attrs: { 'budgetwatch.policy.decision': 'deny' } }),
      expected: { kind: 'call', call: { outcome: 'blocked_unexpected' } },
    },
    {
      name: 'error.type forbidden is a block, not an error',
      input: span({ statusCode: 2, attrs: { 'error.type': 'forbidden' } }),
      expected: { kind: 'call', call: { outcome: 'blocked_unexpected' } },
    },
    {
      name: 'expected block',
      input: span({ attrs: { 'error.type': 'policy_denied', 'budgetwatch.policy.expected': true } }),
      expected: { kind: 'call', call: { outcome: 'blocked_expected' } },
    },
    {
      name: 'fallback and drill flags (string spelling too)',
      input: span({ attrs: { 'budgetwatch.fallback.activated': 'true', 'budgetwatch.drill': true } }),
      expected: { kind: 'call', call: { fallback: true, drill: true } },
    },
    {
      name: 'server.address and port',
      input: span({
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': 't',
          'server.address': 'mcp.example',
          'server.port': 443,
        },
      }),
      expected: { kind: 'call', call: { server: 'mcp.example:443' } },
    },
    {
      name: 'missing ids',
      input: span({ spanId: '' }),
      expected: { kind: 'invalid', reason: 'missing_ids' },
    },
    {
      name: 'end before start',
      input: span({ startTimeMs: NOW, endTimeMs: NOW - 1 }),
      expected: { kind: 'invalid', reason: 'end_before_start' },
    },
    {
      name: 'NaN time',
      input: span({ endTimeMs: Number.NaN }),
      expected: { kind: 'invalid', reason: 'invalid_time' },
    },
    {
      name: 'more than 10 minutes in the future',
      input: span({ startTimeMs: NOW, endTimeMs: NOW + 600_001 }),
      expected: { kind: 'invalid', reason: 'future_timestamp' },
    },
    {
      name: 'exactly 10 minutes ahead is fine',
      input: span({ startTimeMs: NOW, endTimeMs: NOW + 600_000 }),
      expected: { kind: 'call' },
    },
    {
      name: 'older than the largest window',
      input: span({ startTimeMs: NOW - 86_400_001, endTimeMs: NOW - 86_400_000 }),
      expected: { kind: 'invalid', reason: 'too_old' },
    },
  ];
  it.each(cases)('$name', ({ input, expected }) => {
    expect(extractToolCall(input, context)).toMatchObject(expected);
  });

  it('server perspective counts only SERVER spans and names them by service', () => {
    const serverContext = { ...context, perspective: 'server' as const };
    expect(extractToolCall(span({}), serverContext)).toMatchObject({ kind: 'other_perspective' });
    const result = extractToolCall(
      span({ kind: 2, attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'x' } }),
      serverContext,
    );
    expect(result).toMatchObject({ kind: 'call', call: { server: 'agent' } });
  });

  it('inventory match rules win over derived ids', () => {
    const result = extractToolCall(span({}), { ...context, resolveInventory: () => 'docs-prod' });
    expect(result).toMatchObject({ kind: 'call', call: { server: 'docs-prod', unregistered: false } });
  });
});

describe('plausibility', () => {
  const toolSpan = (startTimeMs: number, endTimeMs: number) =>
    span({
      startTimeMs,
      endTimeMs,
      attrs: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'refund' },
    });

  it.each([
    ['a start time of 0 (56 years of latency)', 0, NOW - 1000, 'start_before_window'],
    ['a start before the largest window', NOW - 25 * 3600_000, NOW - 1000, 'start_before_window'],
    ['a call of 1 h and 1 ms', NOW - 3600_001 - 1000, NOW - 1000, 'implausible_latency'],
  ])('%s is invalid, not measured', (_name, start, end, reason) => {
    expect(extractToolCall(toolSpan(start, end), context)).toMatchObject({ kind: 'invalid', reason });
  });

  it('a call of exactly the maximum latency is measured', () => {
    const extraction = extractToolCall(toolSpan(NOW - 3600_000 - 1000, NOW - 1000), context);
    expect(extraction).toMatchObject({ kind: 'call', call: { latencyMs: 3600_000 } });
  });
});

describe('name length', () => {
  const named = (tool: string, server: string) =>
    span({ attrs: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': tool, 'mcp.server.name': server } });

  it('cuts a tool or server name past 256 characters, keeping two long names distinct', () => {
    const long = 'a'.repeat(4000);
    const first = extractToolCall(named(`${long}-one`, `${long}-srv`), context);
    const second = extractToolCall(named(`${long}-two`, `${long}-srv`), context);
    if (first.kind !== 'call' || second.kind !== 'call') throw new Error('not counted');
    expect(first.call.tool).toHaveLength(256);
    expect(first.call.server).toHaveLength(256);
    expect(first.call.tool).toMatch(/^a+…#[0-9a-f]{12}$/);
    expect(first.call.tool).not.toBe(second.call.tool);
    expect(first.call.server).toBe(second.call.server);
  });

  it('leaves names up to the limit as they are', () => {
    const extraction = extractToolCall(named('t'.repeat(256), 'payments'), context);
    expect(extraction).toMatchObject({ kind: 'call', call: { tool: 't'.repeat(256), server: 'payments' } });
  });
});
