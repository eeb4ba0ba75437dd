import { SPAN_KINDS, type SpanKindName } from './recognition-profile.js';
import { compileRecognizer, type RecognisableSpan } from './recognizer.js';

/**
 * Why a span no profile recognised still looks like a tool call. Only names and attribute keys
 * are looked at and shown, never attribute values: they can hold prompts and secrets.
 */
export interface ToolCallHint {
  spanName: string;
  kind: SpanKindName;
  /** The span's attribute keys, sorted. */
  attributeKeys: string[];
  reasons: string[];
  /** The built-in profile that would recognise it (it is disabled, since none in force did). */
  builtInProfile?: string;
}

const KIND_NAMES = Object.fromEntries(
  Object.entries(SPAN_KINDS).map(([name, kind]) => [kind, name]),
) as Record<number, SpanKindName>;
/** Every built-in profile, disabled or not, behind the recogniser's cheap anchor test. */
const builtIns = compileRecognizer();
const MENTIONS_TOOL = /tool/i;

/**
 * Why `span`, which no profile in force recognised, looks like a tool call; undefined if it does
 * not. The one look-alike detector: `budgetwatch explain` and the ingest coverage both use it.
 * Most spans are plain HTTP, database or chat spans: they leave after a walk over their keys.
 */
export function toolCallHint(span: RecognisableSpan): ToolCallHint | undefined {
  const byName = span.name.endsWith('.tool');
  const method = span.attributes['mcp.method.name'];
  const otherMcpRequest = (method !== undefined && method !== 'tools/call') || span.name.endsWith('.mcp');
  const toolKeys: string[] = [];
  for (const key in span.attributes) if (MENTIONS_TOOL.test(key)) toolKeys.push(key);
  const builtIn = builtIns.recognise(span);
  if (!byName && !otherMcpRequest && toolKeys.length === 0 && builtIn === undefined) return undefined;
  const reasons: string[] = [];
  if (byName) reasons.push('span name ends with .tool');
  if (toolKeys.length > 0) reasons.push(`attributes mention tools: ${toolKeys.sort().join(', ')}`);
  if (otherMcpRequest) reasons.push('an MCP request other than tools/call');
  if (builtIn !== undefined) reasons.push(`the built-in profile ${builtIn.name} would recognise it`);
  return {
    spanName: span.name,
    kind: KIND_NAMES[span.kind] ?? 'unspecified',
    attributeKeys: Object.keys(span.attributes).sort(),
    reasons,
    ...(builtIn === undefined ? {} : { builtInProfile: builtIn.name }),
  };
}

/** A look-alike as reports list it: one per span name, kind and keys, with how many spans. */
export interface LookAlikeExample extends ToolCallHint {
  /** The resource's service.name of the spans (coverage), or omitted (explain). */
  source?: string;
  spans: number;
  /** When one was last seen (ms since the epoch). */
  lastSeenMs: number;
}

/** Distinct look-alike examples listed at most, by explain and by the coverage report. */
export const MAX_LOOK_ALIKE_EXAMPLES = 20;

/**
 * At most `limit` distinct look-alikes (by source, span name, kind and keys), the most recently
 * seen kept: a repeat adds to its example's count, a new one beyond the limit pushes out the
 * example seen longest ago.
 */
export class LookAlikeExamples {
  private readonly examples = new Map<string, LookAlikeExample>();

  constructor(private readonly limit = MAX_LOOK_ALIKE_EXAMPLES) {}

  add(example: LookAlikeExample): void {
    const key = JSON.stringify([example.source ?? '', example.spanName, example.kind, example.attributeKeys]);
    const seen = this.examples.get(key);
    if (seen !== undefined) {
      seen.spans += example.spans;
      seen.lastSeenMs = Math.max(seen.lastSeenMs, example.lastSeenMs);
      return;
    }
    if (this.examples.size >= this.limit) {
      let oldest: string | undefined;
      let oldestMs = Number.POSITIVE_INFINITY;
      for (const [candidate, { lastSeenMs }] of this.examples) {
        if (lastSeenMs < oldestMs) [oldest, oldestMs] = [candidate, lastSeenMs];
      }
      if (oldest === undefined || oldestMs > example.lastSeenMs) return;
      this.examples.delete(oldest);
    }
    this.examples.set(key, {
      ...example,
      attributeKeys: [...example.attributeKeys],
      reasons: [...example.reasons],
    });
  }

  /** In the order first seen. */
  list(): LookAlikeExample[] {
    return [...this.examples.values()];
  }
}
