import { describe, expect, it } from 'vitest';
import { compileRecognizer } from '../recognition/recognizer.js';
import { toolCallHint } from '../recognition/tool-call-hints.js';
import type { ExtractionContext, SpanInput } from '../tool-calls/extract-tool-call.js';
import { extractToolCalls } from '../tool-calls/extract-tool-calls.js';
import { NO_INVENTORY } from '../tool-calls/server-identity.js';
import { COVERAGE_LIMITS, OTHER_SOURCES } from './coverage-limits.js';
import { coverageHours, coverageReport } from './coverage-report.js';
import { CoverageAdmission, CoverageTally } from './coverage-tally.js';

const NOW = Date.UTC(2026, 10, 25, 12, 30, 0);
const HOUR = 3_600_000;
let nextId = 0;

function span(fields: Partial<SpanInput> & { service?: string }): SpanInput {
  const { service = 'agent', ...rest } = fields;
  nextId += 1;
  return {
    traceId: `${nextId}`.padStart(32, '0'),
    spanId: `${nextId}`.padStart(16, '0'),
    parentSpanId: '',
    name: 'span',
    kind: 3,
    startTimeMs: NOW - 500,
    endTimeMs: NOW - 100,
    statusCode: 1,
    attributes: {},
    resource: { 'service.name': service },
    ...rest,
  };
}

const semconv = (tool: string, server: string | undefined, statusCode = 1, service = 'agent') =>
  span({
    name: `tools/call ${tool}`,
    service,
    statusCode,
    attributes: {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': tool,
      ...(server === undefined ? {} : { 'server.address': server }),
    },
  });
const traceloop = (tool: string) =>
  span({
    name: `${tool}.tool`,
    attributes: {
      'traceloop.span.kind': 'tool',
      'traceloop.entity.name': tool,
      'traceloop.entity.input': 'secret',
    },
  });

function context(disabled: string[] = []): ExtractionContext {
  return {
    recognizer: compileRecognizer({ profiles: [], disabled }),
    perspective: 'client',
    resolveInventory: NO_INVENTORY,
    nowMs: NOW,
    plausibility: { maxAgeMs: 24 * HOUR, maxLatencyMs: HOUR },
  };
}

function tally(spans: SpanInput[], admission = new CoverageAdmission(), disabled: string[] = []) {
  const inForce = context(disabled);
  const coverage = new CoverageTally(admission, NOW, inForce.recognizer);
  extractToolCalls(spans, inForce).forEach((extraction, i) => {
    coverage.add(spans[i] as SpanInput, extraction);
  });
  return coverage;
}

describe('coverage tally and report', () => {
  it('counts per source and server what became of each span, and reads it back exactly', () => {
    const spans = [
      semconv('search', 'docs.internal'),
      semconv('search', 'docs.internal', 0),
      semconv('fetch', undefined, 2),
      traceloop('lookup'),
      span({ name: 'GET /health', attributes: { 'http.request.method': 'GET' }, service: 'web' }),
      span({ name: 'tools/list', attributes: { 'mcp.method.name': 'tools/list' } }),
      semconv('late', 'docs.internal', 1, 'web'),
    ];
    // An invalid span: ends before it starts.
    (spans[6] as SpanInput).endTimeMs = NOW - 1000;
    const coverage = tally(spans);
    expect(coverage.callsWithoutStatus).toBe(1);
    expect(coverage.lookAlikeSpans).toBe(1);
    const batch = coverage.batch();
    expect(batch.hourMs).toBe(Date.UTC(2026, 10, 25, 12));
    const report = coverageReport(batch.counts, batch.examples, NOW);
    expect(report.totals).toEqual({
      spans: 7,
      calls: 4,
      callsByProfile: { 'otel-semconv-client': 3, 'traceloop-mcp': 1 },
      notCounted: { not_tool_call: 2, end_before_start: 1 },
      unattributed: 2,
      withoutStatus: 1,
      looksLikeToolCalls: 1,
    });
    expect(report.sources.map((source) => [source.source, source.spans, source.calls])).toEqual([
      ['agent', 5, 4],
      ['web', 2, 0],
    ]);
    expect(report.servers).toEqual([
      {
        server: 'docs.internal',
        calls: 2,
        callsByProfile: { 'otel-semconv-client': 2 },
        duplicates: 0,
        withoutStatus: 1,
      },
    ]);
    expect(report.unattributed).toEqual({
      calls: 2,
      tools: [
        { tool: 'fetch', calls: 1 },
        { tool: 'lookup', calls: 1 },
      ],
    });
    expect(report.looksLikeToolCalls).toEqual([
      {
        source: 'agent',
        spanName: 'tools/list',
        kind: 'client',
        attributeKeys: ['mcp.method.name'],
        reasons: ['an MCP request other than tools/call'],
        spans: 1,
        lastSeen: new Date(NOW).toISOString(),
      },
    ]);
  });

  it('names the disabled profile that would count a look-alike, with attribute keys and never values', () => {
    const coverage = tally([traceloop('lookup'), traceloop('lookup'), traceloop('fetch')], undefined, [
      'traceloop-mcp',
    ]);
    const report = coverageReport(coverage.batch().counts, coverage.batch().examples, NOW);
    expect(report.totals.calls).toBe(0);
    expect(report.totals.looksLikeToolCalls).toBe(3);
    expect(report.looksLikeToolCalls.map((example) => [example.spanName, example.spans])).toEqual([
      ['lookup.tool', 2],
      ['fetch.tool', 1],
    ]);
    expect(report.looksLikeToolCalls[0]?.builtInProfile).toBe('traceloop-mcp');
    expect(JSON.stringify(report)).not.toContain('secret');
  });

  it('counts a wrapping span as a duplicate of its server', () => {
    const inner = semconv('search', 'docs.internal');
    const outer = span({
      traceId: inner.traceId,
      name: 'ai.toolCall',
      kind: 1,
      attributes: { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'search', 'server.address': 'x' },
    });
    inner.parentSpanId = outer.spanId;
    const report = coverageReport(tally([outer, inner]).batch().counts, [], NOW);
    expect(report.totals.notCounted).toEqual({ duplicate: 1 });
    // The AI SDK profile names no server: the enclosing call is unattributed, so no server row.
    expect(report.servers.map((server) => [server.server, server.calls, server.duplicates])).toEqual([
      ['docs.internal', 1, 0],
    ]);
  });

  it('folds sources, servers and tools beyond the limits into their overflow rows, per hour', () => {
    const admission = new CoverageAdmission({
      ...COVERAGE_LIMITS,
      sources: 2,
      servers: 1,
      unattributedTools: 1,
    });
    const spans = ['a', 'b', 'c', 'd'].flatMap((name) => [
      semconv(`tool-${name}`, `${name}.internal`, 1, `svc-${name}`),
      semconv(`tool-${name}`, undefined, 1, `svc-${name}`),
    ]);
    const report = coverageReport(tally(spans, admission).batch().counts, [], NOW);
    expect(report.sources.map((source) => [source.source, source.spans])).toEqual([
      [OTHER_SOURCES, 4],
      ['svc-a', 2],
      ['svc-b', 2],
    ]);
    expect(report.servers.map((server) => [server.server, server.calls])).toEqual([
      ['(other servers)', 3],
      ['a.internal', 1],
    ]);
    expect(report.unattributed.tools).toEqual([
      { tool: '(other)', calls: 3 },
      { tool: 'tool-a', calls: 1 },
    ]);
    // A new hour admits names afresh.
    expect(admission.name('sources', 'svc-z', NOW + HOUR)).toBe('svc-z');
  });

  it('bounds the report and keeps only the most recent examples of the last 24 hours', () => {
    const counts: [string, number][] = Array.from({ length: 150 }, (_, i) => [
      JSON.stringify(['source', `svc-${i}`, 'spans']),
      i + 1,
    ]);
    counts.push(['not json', 5], [JSON.stringify(['source']), 1]);
    const example = (name: string, lastSeenMs: number) => ({
      spanName: name,
      kind: 'client' as const,
      attributeKeys: [],
      reasons: [],
      source: 'agent',
      spans: 1,
      lastSeenMs,
    });
    const examples = [
      example('old', NOW - 25 * HOUR),
      ...Array.from({ length: 25 }, (_, i) => example(`x${i}`, NOW - i * 1000)),
    ];
    const report = coverageReport(counts, examples, NOW);
    expect(report.totals.spans).toBe((150 * 151) / 2);
    expect(report.sources).toHaveLength(COVERAGE_LIMITS.sources);
    expect(report.sources[0]?.source).toBe('svc-149');
    expect(report.omitted).toEqual({ sources: 50, servers: 0, tools: 0 });
    expect(report.looksLikeToolCalls.map((entry) => entry.spanName)).toEqual(
      Array.from({ length: 20 }, (_, i) => `x${i}`),
    );
  });

  it('reads the current hour and the 23 before it', () => {
    const hours = coverageHours(NOW);
    expect(hours).toHaveLength(24);
    expect(hours.at(-1)).toBe(Date.UTC(2026, 10, 25, 12));
    expect(hours[0]).toBe(Date.UTC(2026, 10, 24, 13));
  });
});

describe('the look-alike detector', () => {
  const traceloopSpan = traceloop('lookup');
  it('names a built-in profile the configuration disables, whether or not it is told the profiles in force', () => {
    const inForce = compileRecognizer({ profiles: [], disabled: ['traceloop-mcp'] });
    expect(toolCallHint(traceloopSpan, inForce)?.builtInProfile).toBe('traceloop-mcp');
    expect(toolCallHint(traceloopSpan)?.builtInProfile).toBe('traceloop-mcp');
  });

  it('finds attribute keys mentioning tools in any case, and leaves plain spans alone', () => {
    const plain = span({
      name: 'GET /orders',
      attributes: { 'http.request.method': 'GET', 'url.path': '/x' },
    });
    expect(toolCallHint(plain, compileRecognizer())).toBeUndefined();
    const odd = span({
      name: 'step',
      attributes: { 'agent.TOOL_id': 'x', 'agent.Toolset': 'y', other: 'z' },
    });
    expect(toolCallHint(odd, compileRecognizer())?.reasons).toEqual([
      'attributes mention tools: agent.TOOL_id, agent.Toolset',
    ]);
  });

  it('bounds what a hint keeps of a span: its name, and at most 64 keys, each cut', () => {
    const attributes = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`k${String(i).padStart(3, '0')}${'x'.repeat(1000)}`, 'v']),
    );
    const hint = toolCallHint(span({ name: `${'n'.repeat(10_000)}.tool`, attributes }), compileRecognizer());
    expect(hint?.spanName.length).toBeLessThanOrEqual(256);
    expect(hint?.attributeKeys).toHaveLength(64);
    expect(hint?.attributeKeys.every((key) => key.length <= 256)).toBe(true);
    expect(hint?.omittedAttributeKeys).toBe(36);
  });
});
