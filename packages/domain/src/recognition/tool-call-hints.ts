import { BUILT_IN_PROFILES } from './built-in-profiles.js';
import { SPAN_KINDS, type SpanKindName } from './recognition-profile.js';
import { compileProfile, type RecognisableSpan } from './recognizer.js';

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
const builtIns = BUILT_IN_PROFILES.map(compileProfile);
const MENTIONS_TOOL = /tool/i;

/** Why `span`, which no profile in force recognised, looks like a tool call; undefined if it does not. */
export function toolCallHint(span: RecognisableSpan): ToolCallHint | undefined {
  const keys = Object.keys(span.attributes).sort();
  const reasons: string[] = [];
  if (span.name.endsWith('.tool')) reasons.push('span name ends with .tool');
  const toolKeys = keys.filter((key) => MENTIONS_TOOL.test(key));
  if (toolKeys.length > 0) reasons.push(`attributes mention tools: ${toolKeys.join(', ')}`);
  const method = span.attributes['mcp.method.name'];
  if ((method !== undefined && method !== 'tools/call') || span.name.endsWith('.mcp')) {
    reasons.push('an MCP request other than tools/call');
  }
  const builtIn = builtIns.find((profile) => profile.matches(span));
  if (builtIn !== undefined) reasons.push(`the built-in profile ${builtIn.name} would recognise it`);
  if (reasons.length === 0) return undefined;
  return {
    spanName: span.name,
    kind: KIND_NAMES[span.kind] ?? 'unspecified',
    attributeKeys: keys,
    reasons,
    ...(builtIn === undefined ? {} : { builtInProfile: builtIn.name }),
  };
}
