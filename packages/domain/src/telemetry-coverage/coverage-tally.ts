import { OTHER_TOOL, OVERFLOW_SERVER } from '../cardinality/overflow-names.js';
import type { OverflowCap } from '../cardinality/series-admission.js';
import type { RecognisableSpan, Recognizer } from '../recognition/recognizer.js';
import { type LookAlikeExample, LookAlikeExamples, toolCallHint } from '../recognition/tool-call-hints.js';
import { boundedSeriesName } from '../tool-calls/bounded-name.js';
import type { Extraction } from '../tool-calls/extract-tool-call.js';
import { UNATTRIBUTED_SERVER } from '../tool-calls/server-identity.js';
import {
  COVERAGE_BUCKET_MS,
  COVERAGE_LIMITS,
  type CoverageLimits,
  OTHER_SOURCES,
  UNNAMED_SOURCE,
} from './coverage-limits.js';

/** OTLP status UNSET: the instrumentation said nothing of the outcome. */
const STATUS_UNSET = 0;

/**
 * One batch's coverage as a writer stores it: counters to add to the hour bucket `hourMs`, and the
 * batch's look-alike examples. A counter's field is a JSON array naming it
 * (coverage-report.ts reads them back).
 */
export interface CoverageBatch {
  hourMs: number;
  counts: [field: string, count: number][];
  examples: LookAlikeExample[];
}

interface SourceTally {
  spans: number;
  /** The most common reason, apart from the others' map. */
  notToolCall: number;
  calls: number;
  byProfile: Map<string, number>;
  notCounted: Map<string, number>;
  unattributed: number;
  withoutStatus: number;
  looksLike: number;
}

interface ServerTally {
  calls: number;
  byProfile: Map<string, number>;
  duplicates: number;
  withoutStatus: number;
}

/**
 * Which names a writer counts under their own row, per hour bucket: the first `limit` of each
 * dimension; later ones go to its overflow row. Kept for the writer's life, so a long run of new
 * names costs at most the limits per hour in the store.
 */
export class CoverageAdmission {
  private hourMs = Number.NaN;
  private readonly admitted = {
    sources: new Set<string>(),
    servers: new Set<string>(),
    tools: new Set<string>(),
  };

  constructor(readonly limits: CoverageLimits = COVERAGE_LIMITS) {}

  /** The row `name` counts under in the hour of `nowMs`. */
  name(dimension: 'sources' | 'servers' | 'tools', name: string, nowMs: number): string {
    const hourMs = hourOf(nowMs);
    if (hourMs !== this.hourMs) {
      this.hourMs = hourMs;
      for (const names of Object.values(this.admitted)) names.clear();
    }
    const names = this.admitted[dimension];
    if (names.has(name)) return name;
    const limit =
      dimension === 'sources'
        ? this.limits.sources
        : dimension === 'servers'
          ? this.limits.servers
          : this.limits.unattributedTools;
    if (names.size >= limit) {
      return dimension === 'sources' ? OTHER_SOURCES : dimension === 'servers' ? OVERFLOW_SERVER : OTHER_TOOL;
    }
    names.add(name);
    return name;
  }
}

export function hourOf(ms: number): number {
  return Math.floor(ms / COVERAGE_BUCKET_MS) * COVERAGE_BUCKET_MS;
}

/**
 * What one batch's spans say about the input (docs/contract.md#telemetry-coverage): per source,
 * spans seen, calls by profile, spans not counted by reason, unattributed calls, calls without a
 * status, look-alikes; per server, calls by profile, duplicates and calls without a status; the
 * tools of unattributed calls. Counted in memory span by span, stored once per batch.
 */
export class CoverageTally {
  private readonly sources = new Map<string, SourceTally>();
  private readonly servers = new Map<string, ServerTally>();
  private readonly unattributedTools = new Map<string, number>();
  private readonly overflowCalls = new Map<OverflowCap, number>();
  private readonly examples: LookAlikeExamples;
  private lastResource: object | undefined;
  private lastSource: SourceTally | undefined;
  private lastSourceName = '';
  /** Counted calls whose span status is UNSET, in this batch. */
  callsWithoutStatus = 0;
  /** Spans no profile recognised that look like tool calls, in this batch. */
  lookAlikeSpans = 0;

  constructor(
    private readonly admission: CoverageAdmission,
    private readonly nowMs: number,
    /** The profiles in force: the look-alike check then tries only the built-ins they disable. */
    private readonly inForce?: Recognizer,
  ) {
    this.examples = new LookAlikeExamples(admission.limits.examples);
  }

  /** Counts what became of one span. */
  add(span: RecognisableSpan, extraction: Extraction): void {
    const source = this.sourceOf(span);
    source.spans += 1;
    switch (extraction.kind) {
      case 'call': {
        const { call } = extraction;
        source.calls += 1;
        increment(source.byProfile, extraction.profile);
        const withoutStatus = span.statusCode === STATUS_UNSET;
        if (withoutStatus) {
          source.withoutStatus += 1;
          this.callsWithoutStatus += 1;
        }
        if (!extraction.attributed) {
          source.unattributed += 1;
          increment(this.unattributedTools, this.admission.name('tools', call.tool, this.nowMs));
          return;
        }
        const server = this.serverOf(call.server);
        server.calls += 1;
        increment(server.byProfile, extraction.profile);
        if (withoutStatus) server.withoutStatus += 1;
        return;
      }
      case 'not_tool_call': {
        source.notToolCall += 1;
        const hint = toolCallHint(span, this.inForce);
        if (hint === undefined) return;
        source.looksLike += 1;
        this.lookAlikeSpans += 1;
        this.examples.add({ ...hint, source: this.lastSourceName, spans: 1, lastSeenMs: this.nowMs });
        return;
      }
      case 'duplicate':
        increment(source.notCounted, 'duplicate');
        if (extraction.call.server !== UNATTRIBUTED_SERVER)
          this.serverOf(extraction.call.server).duplicates += 1;
        return;
      case 'other_perspective':
        increment(source.notCounted, 'other_perspective');
        return;
      case 'invalid':
        increment(source.notCounted, extraction.reason);
        return;
    }
  }

  /** Calls the windows counted in an overflow series, by the cap that kept them out (cardinality limits). */
  addOverflow(calls: Partial<Record<OverflowCap, number>>): void {
    for (const [cap, count] of Object.entries(calls) as [OverflowCap, number][]) {
      this.overflowCalls.set(cap, (this.overflowCalls.get(cap) ?? 0) + count);
    }
  }

  /** The batch's counters and examples, to add to the store. */
  batch(): CoverageBatch {
    const counts: [string, number][] = [];
    const put = (count: number, ...field: string[]) => {
      if (count > 0) counts.push([JSON.stringify(field), count]);
    };
    for (const [name, source] of this.sources) {
      put(source.spans, 'source', name, 'spans');
      put(source.calls, 'source', name, 'calls');
      for (const [profile, count] of source.byProfile) put(count, 'source', name, 'profile', profile);
      put(source.notToolCall, 'source', name, 'not_counted', 'not_tool_call');
      for (const [reason, count] of source.notCounted) put(count, 'source', name, 'not_counted', reason);
      put(source.unattributed, 'source', name, 'unattributed');
      put(source.withoutStatus, 'source', name, 'without_status');
      put(source.looksLike, 'source', name, 'looks_like');
    }
    for (const [name, server] of this.servers) {
      put(server.calls, 'server', name, 'calls');
      for (const [profile, count] of server.byProfile) put(count, 'server', name, 'profile', profile);
      put(server.duplicates, 'server', name, 'duplicates');
      put(server.withoutStatus, 'server', name, 'without_status');
    }
    for (const [tool, count] of this.unattributedTools) put(count, 'unattributed', tool);
    for (const [cap, count] of this.overflowCalls) put(count, 'overflow', cap);
    return { hourMs: hourOf(this.nowMs), counts, examples: this.examples.list() };
  }

  /** Spans of one resource are decoded one after another: the last source is remembered. */
  private sourceOf(span: RecognisableSpan): SourceTally {
    if (span.resource === this.lastResource && this.lastSource !== undefined) return this.lastSource;
    const service = span.resource['service.name'];
    const named = typeof service === 'string' && service !== '' ? boundedSeriesName(service) : UNNAMED_SOURCE;
    const name = this.admission.name('sources', named, this.nowMs);
    let source = this.sources.get(name);
    if (source === undefined) {
      source = {
        spans: 0,
        notToolCall: 0,
        calls: 0,
        byProfile: new Map(),
        notCounted: new Map(),
        unattributed: 0,
        withoutStatus: 0,
        looksLike: 0,
      };
      this.sources.set(name, source);
    }
    this.lastResource = span.resource;
    this.lastSource = source;
    this.lastSourceName = name;
    return source;
  }

  private serverOf(id: string): ServerTally {
    const name = this.admission.name('servers', id, this.nowMs);
    let server = this.servers.get(name);
    if (server === undefined) {
      server = { calls: 0, byProfile: new Map(), duplicates: 0, withoutStatus: 0 };
      this.servers.set(name, server);
    }
    return server;
  }
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
