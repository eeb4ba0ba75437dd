import { BUILT_IN_PROFILES } from '../recognition/built-in-profiles.js';
import { type LookAlikeExample, LookAlikeExamples } from '../recognition/tool-call-hints.js';
import { COVERAGE_HORIZON_MS, COVERAGE_LIMITS, type CoverageLimits } from './coverage-limits.js';
import { hourOf } from './coverage-tally.js';

/** What the spans of one source (or all of them) said, over the report's hours. */
export interface CoverageCounts {
  /** Spans decoded. */
  spans: number;
  /** Tool calls counted into the windows. */
  calls: number;
  callsByProfile: Record<string, number>;
  /** Spans not counted, by reason: not_tool_call, other_perspective, duplicate, each invalid reason. */
  notCounted: Record<string, number>;
  /** Counted calls that nothing attributed to a server. */
  unattributed: number;
  /** Counted calls whose span status is UNSET: their errors may be missed. */
  withoutStatus: number;
  /** Spans no profile recognised that look like tool calls. */
  looksLikeToolCalls: number;
}

export interface SourceCoverage extends CoverageCounts {
  /** The resource's service.name (`(no service.name)`, `(other sources)` beyond the limit). */
  source: string;
}

export interface ServerCoverage {
  server: string;
  calls: number;
  callsByProfile: Record<string, number>;
  /** Spans of calls counted through another span of the same call. */
  duplicates: number;
  withoutStatus: number;
}

/** GET /api/v1/coverage and `budgetwatch coverage --json` (docs/contract.md#telemetry-coverage). */
export interface CoverageReport {
  generatedAt: string;
  /** The oldest hour bucket read (ISO): the report covers from there to now. */
  since: string;
  totals: CoverageCounts;
  /** By spans, most first; at most the source limit. */
  sources: SourceCoverage[];
  /** By calls, most first; at most the server limit. */
  servers: ServerCoverage[];
  /** Calls without attribution, per tool (most first, at most the tool limit). */
  unattributed: { calls: number; tools: { tool: string; calls: number }[] };
  /** The most recent look-alikes: span name, kind and attribute keys, never values. */
  looksLikeToolCalls: (Omit<LookAlikeExample, 'lastSeenMs'> & { lastSeen: string })[];
  /**
   * Calls counted in an overflow series instead of their own, by the cardinality cap that kept
   * them out (docs/operations.md#cardinality-limits); empty when no cap was reached.
   */
  overflowCalls: Record<string, number>;
  /**
   * The built-in profiles that counted calls and what their instrumentation cannot tell (for
   * example isError results that end OK): read those calls' outcomes with it in mind.
   */
  profileLimits: { profile: string; calls: number; cannotReport: readonly string[] }[];
  /** Rows left out beyond the limits (several writers can each fill the limits in an hour). */
  omitted: { sources: number; servers: number; tools: number };
}

/** The hour buckets a report reads at `nowMs`: the current hour and the 23 before it. */
export function coverageHours(nowMs: number): number[] {
  const current = hourOf(nowMs);
  const hours: number[] = [];
  for (let hour = current - COVERAGE_HORIZON_MS + 3_600_000; hour <= current; hour += 3_600_000)
    hours.push(hour);
  return hours;
}

/**
 * The report from the stored counters of its hours (each a field as CoverageTally.batch writes
 * it, and a count) and the stored examples; fields it does not know are skipped.
 */
export function coverageReport(
  counts: Iterable<readonly [string, number]>,
  examples: Iterable<LookAlikeExample>,
  nowMs: number,
  limits: CoverageLimits = COVERAGE_LIMITS,
): CoverageReport {
  const totals = emptyCounts();
  const sources = new Map<string, CoverageCounts>();
  const servers = new Map<string, Omit<ServerCoverage, 'server'>>();
  const tools = new Map<string, number>();
  const overflowCalls: Record<string, number> = {};
  for (const [field, count] of counts) {
    const path = parseField(field);
    if (path === undefined || !Number.isFinite(count)) continue;
    const [dimension, name, counter, sub] = path;
    if (dimension === 'source' && name !== undefined && counter !== undefined) {
      let source = sources.get(name);
      if (source === undefined) {
        source = emptyCounts();
        sources.set(name, source);
      }
      addCount(source, counter, sub, count);
      addCount(totals, counter, sub, count);
    } else if (dimension === 'server' && name !== undefined) {
      let server = servers.get(name);
      if (server === undefined) {
        server = { calls: 0, callsByProfile: {}, duplicates: 0, withoutStatus: 0 };
        servers.set(name, server);
      }
      if (counter === 'calls') server.calls += count;
      else if (counter === 'profile' && sub !== undefined) add(server.callsByProfile, sub, count);
      else if (counter === 'duplicates') server.duplicates += count;
      else if (counter === 'without_status') server.withoutStatus += count;
    } else if (dimension === 'unattributed' && name !== undefined) {
      tools.set(name, (tools.get(name) ?? 0) + count);
    } else if (dimension === 'overflow' && name !== undefined) {
      add(overflowCalls, name, count);
    }
  }
  const recent = new LookAlikeExamples(limits.examples);
  const oldestMs = coverageHours(nowMs)[0] ?? nowMs;
  for (const example of examples) if (example.lastSeenMs >= oldestMs) recent.add(example);
  const sourceRows = [...sources]
    .map(([source, counts]) => ({ source, ...counts }))
    .sort((a, b) => b.spans - a.spans || a.source.localeCompare(b.source));
  const serverRows = [...servers]
    .map(([server, counts]) => ({ server, ...counts }))
    .sort((a, b) => b.calls - a.calls || a.server.localeCompare(b.server));
  const toolRows = [...tools]
    .map(([tool, calls]) => ({ tool, calls }))
    .sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool));
  return {
    generatedAt: new Date(nowMs).toISOString(),
    since: new Date(oldestMs).toISOString(),
    totals,
    sources: sourceRows.slice(0, limits.sources),
    servers: serverRows.slice(0, limits.servers),
    unattributed: {
      calls: toolRows.reduce((sum, row) => sum + row.calls, 0),
      tools: toolRows.slice(0, limits.unattributedTools),
    },
    looksLikeToolCalls: recent
      .list()
      .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
      .map(({ lastSeenMs, ...example }) => ({ ...example, lastSeen: new Date(lastSeenMs).toISOString() })),
    overflowCalls,
    profileLimits: BUILT_IN_PROFILES.flatMap((profile) => {
      const calls = totals.callsByProfile[profile.name] ?? 0;
      return calls > 0 && profile.cannotReport !== undefined
        ? [{ profile: profile.name, calls, cannotReport: profile.cannotReport }]
        : [];
    }),
    omitted: {
      sources: Math.max(0, sourceRows.length - limits.sources),
      servers: Math.max(0, serverRows.length - limits.servers),
      tools: Math.max(0, toolRows.length - limits.unattributedTools),
    },
  };
}

function emptyCounts(): CoverageCounts {
  return {
    spans: 0,
    calls: 0,
    callsByProfile: {},
    notCounted: {},
    unattributed: 0,
    withoutStatus: 0,
    looksLikeToolCalls: 0,
  };
}

function addCount(counts: CoverageCounts, counter: string, sub: string | undefined, count: number): void {
  switch (counter) {
    case 'spans':
      counts.spans += count;
      break;
    case 'calls':
      counts.calls += count;
      break;
    case 'profile':
      if (sub !== undefined) add(counts.callsByProfile, sub, count);
      break;
    case 'not_counted':
      if (sub !== undefined) add(counts.notCounted, sub, count);
      break;
    case 'unattributed':
      counts.unattributed += count;
      break;
    case 'without_status':
      counts.withoutStatus += count;
      break;
    case 'looks_like':
      counts.looksLikeToolCalls += count;
      break;
  }
}

function add(counts: Record<string, number>, key: string, count: number): void {
  counts[key] = (counts[key] ?? 0) + count;
}

function parseField(field: string): (string | undefined)[] | undefined {
  try {
    const path: unknown = JSON.parse(field);
    return Array.isArray(path) && path.every((part) => typeof part === 'string') ? path : undefined;
  } catch {
    return undefined;
  }
}
