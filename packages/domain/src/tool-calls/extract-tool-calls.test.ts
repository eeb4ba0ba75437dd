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
    const otherTrace = { ...traceloopMcp('2', '1'), traceId: 'c'.repeat(32) };
    expect(kinds([aiSdkTool('1', ''), otherTrace, traceloopMcp('4', '9')])).toEqual([
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
