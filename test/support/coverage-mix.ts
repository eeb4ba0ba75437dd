import { randomBytes } from 'node:crypto';
import type { CoverageReport } from '@budgetwatch/domain';

/** OTLP span kinds and status codes as the JSON mapping writes them. */
const CLIENT = 3;
const SERVER = 2;
const UNSET = 0;
const OK = 1;
const ERROR = 2;

interface MixSpan {
  name: string;
  kind: number;
  status: number;
  attributes: Record<string, string>;
  /** End before start: an invalid tool call (end_before_start). */
  backwards?: boolean;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const semconvCall = (status: number, extra: Partial<MixSpan> = {}): MixSpan => ({
  name: 'tools/call search',
  kind: CLIENT,
  status,
  attributes: {
    'mcp.method.name': 'tools/call',
    'gen_ai.tool.name': 'search',
    'server.address': 'docs.internal',
  },
  ...extra,
});
const traceloopCall = (status: number): MixSpan => ({
  name: 'lookup.tool',
  kind: CLIENT,
  status,
  attributes: {
    'traceloop.span.kind': 'tool',
    'traceloop.entity.name': 'lookup',
    'traceloop.entity.input': '{"query":"a secret prompt"}',
  },
});

/**
 * A known mix of what agents send, from two sources. agent-a: six OTel semantic-conventions
 * calls to docs.internal (four OK, one ERROR, one UNSET), three Traceloop calls that name no
 * server (two OK, one UNSET), one invalid call (ends before it starts) and an MCP tools/list span
 * (looks like a tool call, no profile counts it). web-b: four HTTP spans, two database spans and
 * one server-side tools/call span (the other perspective).
 */
export const COVERAGE_MIX: Record<string, MixSpan[]> = {
  'agent-a': [
    ...[OK, OK, OK, OK, ERROR, UNSET].map((status) => semconvCall(status)),
    ...[OK, OK, UNSET].map(traceloopCall),
    semconvCall(OK, { backwards: true }),
    { name: 'tools/list', kind: CLIENT, status: UNSET, attributes: { 'mcp.method.name': 'tools/list' } },
  ],
  'web-b': [
    ...Array.from({ length: 4 }, () => ({
      name: 'GET /orders',
      kind: SERVER,
      status: UNSET,
      attributes: { 'http.request.method': 'GET', 'url.path': '/orders' },
    })),
    ...Array.from({ length: 2 }, () => ({
      name: 'SELECT orders',
      kind: CLIENT,
      status: UNSET,
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT 1' },
    })),
    semconvCall(OK, { kind: SERVER }),
  ],
};

/** The mix as one OTLP/JSON export, every span ending a second ago. */
export function coverageMixExport(nowMs = Date.now()): string {
  const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
  return JSON.stringify({
    resourceSpans: Object.entries(COVERAGE_MIX).map(([service, spans]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          scope: { name: 'coverage-mix' },
          spans: spans.map((span) => {
            const end = nowMs - 1000;
            const start = span.backwards === true ? end + 500 : end - 200;
            return {
              traceId: hex(16),
              spanId: hex(8),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: nanos(start),
              endTimeUnixNano: nanos(end),
              attributes: Object.entries(span.attributes).map(([key, value]) => ({
                key,
                value: { stringValue: value },
              })),
              status: { code: span.status },
            };
          }),
        },
      ],
    })),
  });
}

/** Sends the mix to an OTLP/HTTP intake as JSON. */
export async function sendCoverageMix(intakeUrl: string): Promise<void> {
  const response = await fetch(intakeUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: coverageMixExport(),
  });
  if (!response.ok) throw new Error(`intake answered ${response.status}: ${await response.text()}`);
}

/** What the coverage report says of the mix, sent once, bar its times. */
export const EXPECTED_MIX_COVERAGE: Omit<CoverageReport, 'generatedAt' | 'since' | 'looksLikeToolCalls'> & {
  looksLikeToolCalls: Omit<CoverageReport['looksLikeToolCalls'][number], 'lastSeen'>[];
} = {
  totals: {
    spans: 18,
    calls: 9,
    callsByProfile: { 'otel-semconv-client': 6, 'traceloop-mcp': 3 },
    notCounted: { not_tool_call: 7, end_before_start: 1, other_perspective: 1 },
    unattributed: 3,
    withoutStatus: 2,
    looksLikeToolCalls: 1,
  },
  sources: [
    {
      source: 'agent-a',
      spans: 11,
      calls: 9,
      callsByProfile: { 'otel-semconv-client': 6, 'traceloop-mcp': 3 },
      notCounted: { not_tool_call: 1, end_before_start: 1 },
      unattributed: 3,
      withoutStatus: 2,
      looksLikeToolCalls: 1,
    },
    {
      source: 'web-b',
      spans: 7,
      calls: 0,
      callsByProfile: {},
      notCounted: { not_tool_call: 6, other_perspective: 1 },
      unattributed: 0,
      withoutStatus: 0,
      looksLikeToolCalls: 0,
    },
  ],
  servers: [
    {
      server: 'docs.internal',
      calls: 6,
      callsByProfile: { 'otel-semconv-client': 6 },
      duplicates: 0,
      withoutStatus: 1,
    },
  ],
  unattributed: { calls: 3, tools: [{ tool: 'lookup', calls: 3 }] },
  looksLikeToolCalls: [
    {
      source: 'agent-a',
      spanName: 'tools/list',
      kind: 'client',
      attributeKeys: ['mcp.method.name'],
      reasons: ['an MCP request other than tools/call'],
      spans: 1,
    },
  ],
  overflowCalls: {},
  profileLimits: [
    {
      profile: 'traceloop-mcp',
      calls: 3,
      cannotReport: ['the MCP server: its calls are unattributed unless the inventory matches their tools'],
    },
  ],
  omitted: { sources: 0, servers: 0, tools: 0 },
};

/** The report without its times, to compare with EXPECTED_MIX_COVERAGE. */
export function withoutTimes(report: CoverageReport) {
  const { generatedAt: _generatedAt, since: _since, looksLikeToolCalls, ...rest } = report;
  return {
    ...rest,
    looksLikeToolCalls: looksLikeToolCalls.map(({ lastSeen: _lastSeen, ...example }) => example),
  };
}
