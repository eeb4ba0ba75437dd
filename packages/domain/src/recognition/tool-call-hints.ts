import { boundedSeriesName } from '../tool-calls/bounded-name.js';
import { BUILT_IN_PROFILE_NAMES } from './built-in-profiles.js';
import { SPAN_KINDS, type SpanKindName } from './recognition-profile.js';
import { compileRecognizer, type RecognisableSpan, type Recognizer } from './recognizer.js';

/**
 * Why a span no profile recognised still looks like a tool call. Only names and attribute keys
 * are looked at and shown, never attribute values: they can hold prompts and secrets.
 */
export interface ToolCallHint {
  spanName: string;
  kind: SpanKindName;
  /** The span's attribute keys, sorted: at most MAX_HINT_KEYS, each cut as a series name is. */
  attributeKeys: string[];
  /** Keys beyond MAX_HINT_KEYS, left out (absent when none). */
  omittedAttributeKeys?: number;
  reasons: string[];
  /** The built-in profile that would recognise it (it is disabled, since none in force did). */
  builtInProfile?: string;
}

/** Attribute keys a hint shows at most: span text is untrusted, and reports keep hints. */
export const MAX_HINT_KEYS = 64;

const KIND_NAMES = Object.fromEntries(
  Object.entries(SPAN_KINDS).map(([name, kind]) => [kind, name]),
) as Record<number, SpanKindName>;
/** Every built-in profile, disabled or not, behind the recogniser's cheap anchor test. */
const allBuiltIns = compileRecognizer();
/** Per recogniser in force, the built-in profiles it leaves out (undefined: none). */
const disabledBuiltIns = new WeakMap<Recognizer, Recognizer | undefined>();

/**
 * The built-in profiles a span no profile of `inForce` recognised could still match: only those
 * it disables, since an enabled one would have recognised it.
 */
function builtInsLeftOut(inForce: Recognizer | undefined): Recognizer | undefined {
  if (inForce === undefined) return allBuiltIns;
  if (!disabledBuiltIns.has(inForce)) {
    const active = new Set(inForce.profiles.map((profile) => profile.name));
    const enabled = BUILT_IN_PROFILE_NAMES.filter((name) => active.has(name));
    disabledBuiltIns.set(
      inForce,
      enabled.length === BUILT_IN_PROFILE_NAMES.length
        ? undefined
        : compileRecognizer({ profiles: [], disabled: enabled }),
    );
  }
  return disabledBuiltIns.get(inForce);
}

/**
 * An attribute key that mentions tools, in any case. A regex: decoded keys are sliced strings, on
 * which it beats `includes` and character loops (measured).
 */
const MENTIONS_TOOL = /tool/i;
const mentionsTool = (key: string): boolean => MENTIONS_TOOL.test(key);

/**
 * Why `span`, which no profile in force recognised, looks like a tool call; undefined if it does
 * not. The one look-alike detector: `budgetwatch explain` and the ingest coverage both use it.
 * Most spans are plain HTTP, database or chat spans: they leave after a walk over their keys,
 * with nothing allocated.
 */
export function toolCallHint(
  span: RecognisableSpan,
  /** The profiles in force, when known: only the built-ins they disable are tried. */
  inForce?: Recognizer,
): ToolCallHint | undefined {
  const byName = span.name.endsWith('.tool');
  const method = span.attributes['mcp.method.name'];
  const otherMcpRequest = (method !== undefined && method !== 'tools/call') || span.name.endsWith('.mcp');
  let keyMentionsTool = false;
  for (const key in span.attributes) {
    if (mentionsTool(key)) {
      keyMentionsTool = true;
      break;
    }
  }
  const builtIn = builtInsLeftOut(inForce)?.recognise(span);
  if (!byName && !otherMcpRequest && !keyMentionsTool && builtIn === undefined) return undefined;
  const keys = Object.keys(span.attributes).sort();
  const attributeKeys = keys.slice(0, MAX_HINT_KEYS).map((key) => boundedSeriesName(key));
  const reasons: string[] = [];
  if (byName) reasons.push('span name ends with .tool');
  if (keyMentionsTool) {
    const toolKeys = attributeKeys.filter(mentionsTool);
    reasons.push(`attributes mention tools: ${(toolKeys.length > 0 ? toolKeys : ['…']).join(', ')}`);
  }
  if (otherMcpRequest) reasons.push('an MCP request other than tools/call');
  if (builtIn !== undefined) reasons.push(`the built-in profile ${builtIn.name} would recognise it`);
  return {
    spanName: boundedSeriesName(span.name),
    kind: KIND_NAMES[span.kind] ?? 'unspecified',
    attributeKeys,
    ...(keys.length > MAX_HINT_KEYS ? { omittedAttributeKeys: keys.length - MAX_HINT_KEYS } : {}),
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
