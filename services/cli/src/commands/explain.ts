import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, loadInventory } from '@budgetwatch/config';
import {
  displayText,
  type Extraction,
  extractToolCalls,
  inventoryResolver,
  isUnattributed,
  type LookAlikeExample,
  LookAlikeExamples,
  SPAN_KINDS,
  toolCallHint,
} from '@budgetwatch/domain';
import { spanPlausibility } from '@budgetwatch/ingest-worker';
import { decodeTraces, type OtlpSpan, TraceFileError, traceFileRecords } from '@budgetwatch/otlp';
import { ExitCode } from '../exit-codes.js';
import { recognitionFor } from '../stages/stage-services.js';
import { terminalJson } from '../terminal-text.js';
import { printLookAlikes } from './look-alike-text.js';

const KIND_NAMES = Object.fromEntries(Object.entries(SPAN_KINDS).map(([name, kind]) => [kind, name]));

/** One span of the file as the ingest worker would take it. */
interface SpanExplanation {
  record: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: string;
  counted: boolean;
  /** Why it was not counted (not_tool_call, other_perspective, duplicate, or an invalid reason). */
  reason?: string;
  profile?: string;
  perspective?: string;
  tool?: string;
  server?: string;
  attributed?: boolean;
  outcome?: string;
  /** For a duplicate: the span counted instead. */
  countedSpanId?: string;
}

/** Spans of the file with one name, kind and keys that look like tool calls. */
type Hint = Omit<LookAlikeExample, 'lastSeenMs'>;

/**
 * `budgetwatch explain FILE`: each span of an OTLP trace file through the configured profiles,
 * perspective and inventory, as the ingest worker would count it, and the spans that look like
 * tool calls that no profile recognised (names and attribute keys only).
 */
export function explain(
  file: string,
  options: { json: boolean },
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): ExitCode {
  const { config } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const { inventory } = loadInventory({ file: config.inventory.file });
  const records = readRecords(file);
  const ends = records.flat().map((span) => span.endTimeMs);
  // A capture is judged as of its own latest span, so a file recorded days ago explains the same.
  const asOfMs = ends.filter(Number.isFinite).reduce((latest, end) => Math.max(latest, end), 0) || Date.now();
  const context = {
    ...recognitionFor(config),
    resolveInventory: inventoryResolver(inventory),
    nowMs: asOfMs,
    plausibility: spanPlausibility(config.ingest.maxLatencyMs),
  };

  const spans: SpanExplanation[] = [];
  const hints = new LookAlikeExamples();
  records.forEach((record, index) => {
    extractToolCalls(record, context).forEach((extraction, i) => {
      const span = record[i];
      if (span === undefined) return;
      spans.push(explainSpan(index + 1, span, extraction));
      if (extraction.kind !== 'not_tool_call') return;
      const hint = toolCallHint(span, context.recognizer);
      if (hint === undefined) return;
      hints.add({ ...hint, spans: 1, lastSeenMs: span.endTimeMs });
    });
  });
  const summary = summarize(spans);
  const report = {
    file,
    asOf: new Date(asOfMs).toISOString(),
    perspective: config.ingest.perspective,
    profiles: context.recognizer.profiles.map((profile) => profile.name),
    summary,
    spans,
    looksLikeToolCalls: hints.list().map(({ lastSeenMs: _lastSeenMs, ...hint }): Hint => hint),
  };
  if (options.json) out.write(`${terminalJson(report, 2)}\n`);
  else printReport(report, out);
  return ExitCode.ok;
}

function readRecords(file: string): OtlpSpan[][] {
  const refuse = (reason: string) =>
    new ConfigError([{ source: { kind: 'default' }, path: 'FILE', reason: `${file}: ${reason}` }]);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw refuse(`cannot read it: ${(error as Error).message}`);
  }
  try {
    // One record per document (a JSON Lines line is one export), as the Collector writes them.
    const { records } = traceFileRecords(bytes, { maxSpansPerRecord: Number.MAX_SAFE_INTEGER });
    return records.map((record) => decodeTraces(record));
  } catch (error) {
    if (error instanceof TraceFileError) throw refuse(error.message);
    throw error;
  }
}

function explainSpan(record: number, span: OtlpSpan, extraction: Extraction): SpanExplanation {
  const base = {
    record,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: KIND_NAMES[span.kind] ?? 'unspecified',
  };
  switch (extraction.kind) {
    case 'call':
    case 'duplicate':
      return {
        ...base,
        counted: extraction.kind === 'call',
        ...(extraction.kind === 'duplicate'
          ? { reason: 'duplicate', countedSpanId: extraction.countedSpanId }
          : {}),
        attributed: !isUnattributed(extraction.call.server),
        profile: extraction.profile,
        tool: extraction.call.tool,
        server: extraction.call.server,
        outcome: extraction.call.outcome,
      };
    case 'other_perspective':
      return {
        ...base,
        counted: false,
        reason: 'other_perspective',
        profile: extraction.profile,
        perspective: extraction.perspective,
      };
    case 'invalid':
      return { ...base, counted: false, reason: extraction.reason, profile: extraction.profile };
    case 'not_tool_call':
      return { ...base, counted: false, reason: 'not_tool_call' };
  }
}

function summarize(spans: readonly SpanExplanation[]) {
  const callsByProfile: Record<string, number> = {};
  const notCounted: Record<string, number> = {};
  let unattributed = 0;
  for (const span of spans) {
    if (span.counted) {
      callsByProfile[span.profile ?? ''] = (callsByProfile[span.profile ?? ''] ?? 0) + 1;
      if (span.attributed === false) unattributed += 1;
    } else {
      notCounted[span.reason ?? ''] = (notCounted[span.reason ?? ''] ?? 0) + 1;
    }
  }
  const calls = Object.values(callsByProfile).reduce((sum, count) => sum + count, 0);
  return { spans: spans.length, calls, callsByProfile, unattributed, notCounted };
}

function printReport(
  report: {
    asOf: string;
    perspective: string;
    profiles: string[];
    summary: ReturnType<typeof summarize>;
    spans: SpanExplanation[];
    looksLikeToolCalls: Hint[];
  },
  out: NodeJS.WritableStream,
): void {
  out.write(
    `profiles: ${report.profiles.join(', ')}\ncounting the ${report.perspective} side; times judged as of ${report.asOf}\n\n`,
  );
  for (const span of report.spans) {
    const head = `${span.spanId.slice(0, 8) || '-'} ${displayText(span.name)} (${span.kind})`;
    out.write(`${head}: ${verdict(span)}\n`);
  }
  const { summary } = report;
  const byProfile = Object.entries(summary.callsByProfile).map(([profile, count]) => `${profile} ${count}`);
  const notCounted = Object.entries(summary.notCounted).map(([reason, count]) => `${reason} ${count}`);
  out.write(
    `\n${summary.spans} spans: ${summary.calls} calls counted${byProfile.length > 0 ? ` (${byProfile.join(', ')})` : ''}, ${summary.unattributed} unattributed; not counted: ${notCounted.length > 0 ? notCounted.join(', ') : 'none'}\n`,
  );
  printLookAlikes(report.looksLikeToolCalls, out);
}

function verdict(span: SpanExplanation): string {
  const server = span.attributed === false ? 'unattributed' : `server ${displayText(span.server ?? '')}`;
  const call = () =>
    `profile ${span.profile}, tool ${displayText(span.tool ?? '')}, ${server}, ${span.outcome}`;
  if (span.counted) return `counted: ${call()}`;
  switch (span.reason) {
    case 'not_tool_call':
      return 'not a tool call (no profile matched)';
    case 'other_perspective':
      return `not counted: profile ${span.profile} reads it as the ${span.perspective} side`;
    case 'duplicate':
      return `not counted: the same call as span ${span.countedSpanId?.slice(0, 8)}, counted there (${call()})`;
    default:
      return `not counted: invalid (${span.reason}), profile ${span.profile}`;
  }
}
