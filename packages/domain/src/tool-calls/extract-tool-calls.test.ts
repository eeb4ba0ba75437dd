import { describe, expect, it } from 'vitest';
import { compileRecognizer } from '../recognition/recognizer.js';
import type { ExtractionContext, SpanInput } from './extract-tool-call.js';
import { extractToolCalls } from './extract-tool-calls.js';
import { NO_INVENTORY } from './server-identity.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const TRACE = 'a'.repeat(32);
const context: ExtractionContext = {
  recognizer: compileRecognizer(),
  perspective: 'client',
  resolveInventory: NO_INVENTORY,
  nowMs: NOW,
  plausibility: { maxAgeMs: 24 * 3600_000, maxLatencyMs: 3_600_000 },
};

function span(spanId: string, parentSpanId: string, fields: Partial<SpanInput>): SpanInput {
  return {
    traceId: TRACE,
    spanId,
    parentSpanId,
    name: 'span',
    kind: 1,
    startTimeMs: NOW - 500,
    endTimeMs: NOW - 100,
    statusCode: 0,
    attributes: {},
    resource: { 'service.name': 'agent' },
    ...fields,
  };
}

const aiSdkTool = (id: string, parent: string, tool = 'search') =>
  span(id, parent, {
    name: 'ai.toolCall',
    attributes: { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': tool },
  });
const traceloopMcp = (id: string, parent: string, tool = 'search') =>
  span(id, parent, {
    name: `${tool}.tool`,
    kind: 3,
    attributes: { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': tool },
  });
const plain = (id: string, parent: string) => span(id, parent, { name: 'HTTP POST', kind: 3 });

const kinds = (spans: SpanInput[]) =>
  extractToolCalls(spans, context).map((extraction) =>
    extraction.kind === 'call' || extraction.kind === 'duplicate'
      ? `${extraction.kind}:${extraction.profile}`
      : extraction.kind,
  );

describe('one call counts once per perspective', () => {
  it('an AI SDK tool span wrapping a Traceloop MCP span counts once, on the inner span', () => {
    const extractions = extractToolCalls([aiSdkTool('1', ''), traceloopMcp('2', '1')], context);
    expect(extractions.map((extraction) => extraction.kind)).toEqual(['duplicate', 'call']);
    expect(extractions[0]).toMatchObject({ kind: 'duplicate', profile: 'vercel-ai-sdk', countedSpanId: '2' });
    expect(extractions[1]).toMatchObject({
      kind: 'call',
      profile: 'traceloop-mcp',
      call: { tool: 'search' },
    });
  });

  it('whatever the order of the spans in the record, and through spans that are not calls', () => {
    expect(kinds([traceloopMcp('3', '2'), plain('2', '1'), aiSdkTool('1', '')])).toEqual([
      'call:traceloop-mcp',
      'not_tool_call',
      'duplicate:vercel-ai-sdk',
    ]);
  });

  it('a tool that makes two MCP calls counts two calls, not three', () => {
    expect(kinds([aiSdkTool('1', ''), traceloopMcp('2', '1', 'a'), traceloopMcp('3', '1', 'b')])).toEqual([
      'duplicate:vercel-ai-sdk',
      'call:traceloop-mcp',
      'call:traceloop-mcp',
    ]);
  });

  it('three levels: only the innermost counts, and each enclosing span names a counted one', () => {
    const extractions = extractToolCalls(
      [aiSdkTool('1', ''), aiSdkTool('2', '1'), traceloopMcp('3', '2')],
      context,
    );
    expect(extractions.map((extraction) => extraction.kind)).toEqual(['duplicate', 'duplicate', 'call']);
    expect(extractions[0]).toMatchObject({ countedSpanId: '3' });
    expect(extractions[1]).toMatchObject({ countedSpanId: '3' });
  });

  it('sibling calls and calls of other traces count each', () => {
    // After the AI SDK span ends: not within it in time either (see the next describe).
    const later = { startTimeMs: NOW - 90, endTimeMs: NOW - 50 };
    const otherTrace = { ...traceloopMcp('2', '1'), traceId: 'c'.repeat(32), ...later };
    expect(kinds([aiSdkTool('1', ''), otherTrace, { ...traceloopMcp('4', '9'), ...later }])).toEqual([
      'call:vercel-ai-sdk',
      'call:traceloop-mcp',
      'call:traceloop-mcp',
    ]);
  });

  it('a server span below a client span is the other perspective, not a duplicate', () => {
    const server = span('2', '1', {
      kind: 2,
      attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'search' },
    });
    expect(kinds([traceloopMcp('1', ''), server])).toEqual(['call:traceloop-mcp', 'other_perspective']);
  });

  it('an inner span that is invalid does not hide the enclosing call', () => {
    const invalid = { ...traceloopMcp('2', '1'), endTimeMs: NOW - 1000 };
    expect(kinds([aiSdkTool('1', ''), invalid])).toEqual(['call:vercel-ai-sdk', 'invalid']);
  });

  it('a parent cycle (forged ids) ends', () => {
    expect(kinds([aiSdkTool('1', '2'), traceloopMcp('2', '1')])).toEqual([
      'duplicate:vercel-ai-sdk',
      'duplicate:traceloop-mcp',
    ]);
  });
});

describe('one call counts once: two instrumentations whose spans nest in time, not by parent id', () => {
  const OTHER_TRACE = 'b'.repeat(32);
  /** A LangChain (OpenInference) TOOL span, the root of a trace of its own. */
  const toolSpan = (id: string, start: number, end: number, fields: Partial<SpanInput> = {}) =>
    span(id, '', {
      name: 'search',
      startTimeMs: NOW - start,
      endTimeMs: NOW - end,
      attributes: { 'openinference.span.kind': 'TOOL', 'tool.name': 'search' },
      ...fields,
    });
  /** A Traceloop MCP span of the same agent, parented to its session span in another trace. */
  const mcpSpan = (id: string, start: number, end: number, fields: Partial<SpanInput> = {}) =>
    span(id, 'session', {
      ...traceloopMcp(id, 'session'),
      traceId: OTHER_TRACE,
      startTimeMs: NOW - start,
      endTimeMs: NOW - end,
      ...fields,
    });
  const verdicts = (spans: SpanInput[]) =>
    extractToolCalls(spans, context).map((extraction) =>
      extraction.kind === 'duplicate'
        ? `duplicate of ${extraction.countedSpanId}`
        : extraction.kind === 'call'
          ? `call:${extraction.profile}`
          : extraction.kind,
    );

  it('a Traceloop span within a TOOL span of the same agent and tool: the TOOL span is the duplicate', () => {
    expect(verdicts([toolSpan('t1', 500, 100), mcpSpan('m1', 400, 200)])).toEqual([
      'duplicate of m1',
      'call:traceloop-mcp',
    ]);
  });

  it('calls one after another pair each with its own', () => {
    expect(
      verdicts([
        mcpSpan('m2', 290, 210),
        toolSpan('t1', 500, 300),
        toolSpan('t2', 300, 200),
        mcpSpan('m1', 490, 310),
      ]),
    ).toEqual(['call:traceloop-mcp', 'duplicate of m1', 'duplicate of m2', 'call:traceloop-mcp']);
  });

  it('give or take the 1 ms a span start is rounded down by: the TOOL span recorded as ending first', () => {
    // Recorded from a real LangChain + Traceloop agent: the TOOL span [181.0, 181.497] and the MCP
    // span [182.0, 182.351], each start rounded down to its millisecond.
    expect(verdicts([toolSpan('t1', 1000, 1000 - 0.497), mcpSpan('m1', 999, 999 - 0.351)])).toEqual([
      'duplicate of m1',
      'call:traceloop-mcp',
    ]);
  });

  it('one to one: two MCP spans within one TOOL span count two calls, not three', () => {
    expect(verdicts([toolSpan('t1', 500, 100), mcpSpan('m1', 450, 400), mcpSpan('m2', 300, 200)])).toEqual([
      'duplicate of m1',
      'call:traceloop-mcp',
      'call:traceloop-mcp',
    ]);
  });

  it('leaves apart calls of one instrumentation, of another agent or tool, or that only overlap', () => {
    const sameProfile = [mcpSpan('m1', 500, 100), mcpSpan('m2', 400, 200)];
    expect(verdicts(sameProfile)).toEqual(['call:traceloop-mcp', 'call:traceloop-mcp']);
    const otherAgent = [
      toolSpan('t1', 500, 100),
      mcpSpan('m1', 400, 200, { resource: { 'service.name': 'b' } }),
    ];
    expect(verdicts(otherAgent)).toEqual(['call:openinference-tool', 'call:traceloop-mcp']);
    const otherTool = [
      toolSpan('t1', 500, 100),
      mcpSpan('m1', 400, 200, {
        name: 'fetch.tool',
        attributes: { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'fetch' },
      }),
    ];
    expect(verdicts(otherTool)).toEqual(['call:openinference-tool', 'call:traceloop-mcp']);
    const overlapping = [toolSpan('t1', 500, 300), mcpSpan('m1', 400, 200)];
    expect(verdicts(overlapping)).toEqual(['call:openinference-tool', 'call:traceloop-mcp']);
  });
});
