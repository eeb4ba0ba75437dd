import { type AttributeBag, matchesAny } from './attribute-matcher.js';
import { boundedSeriesName } from './bounded-name.js';
import type { ClassificationRules } from './classification-rules.js';
import { deriveServerId, type InventoryResolver } from './server-identity.js';
import { type InvalidSpanReason, type SpanPlausibility, validateSpan } from './span-validation.js';
import type { CallOutcome, ToolCall } from './tool-call.js';

const SERVER_KIND = 2;
const STATUS_ERROR = 2;
const TOOL_NAME_FROM_SPAN_NAME = /^(?:tools\/call|execute_tool)\s+(.+)$/;

/** The span fields extraction reads; the OTLP decoder's spans fit this shape. */
export interface SpanInput {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  startTimeMs: number;
  endTimeMs: number;
  statusCode: number;
  attributes: AttributeBag;
  resource: AttributeBag;
}

export type Extraction =
  | { kind: 'call'; call: ToolCall }
  | { kind: 'not_tool_call' }
  | { kind: 'other_perspective' }
  | { kind: 'invalid'; reason: InvalidSpanReason };

export interface ExtractionContext {
  rules: ClassificationRules;
  resolveInventory: InventoryResolver;
  nowMs: number;
  /** The largest window and the longest plausible latency (see validateSpan). */
  plausibility: SpanPlausibility;
}

/** A span is a tool call when it carries the MCP or GenAI tool-call operation. */
export function isToolCallSpan(attributes: AttributeBag): boolean {
  return (
    attributes['mcp.method.name'] === 'tools/call' || attributes['gen_ai.operation.name'] === 'execute_tool'
  );
}

export function toolNameOf(span: Pick<SpanInput, 'name' | 'attributes'>): string | undefined {
  const attribute = span.attributes['gen_ai.tool.name'];
  if (typeof attribute === 'string' && attribute !== '') return attribute;
  const match = TOOL_NAME_FROM_SPAN_NAME.exec(span.name);
  const fromName = match?.[1]?.trim();
  return fromName === undefined || fromName === '' ? undefined : fromName;
}

/** Turns one span into a counted tool call, or says why it is not one. */
export function extractToolCall(span: SpanInput, context: ExtractionContext): Extraction {
  if (!isToolCallSpan(span.attributes)) return { kind: 'not_tool_call' };
  const isServerSpan = span.kind === SERVER_KIND;
  if ((context.rules.perspective === 'server') !== isServerSpan) return { kind: 'other_perspective' };

  const invalid = validateSpan(span, context.nowMs, context.plausibility);
  if (invalid !== undefined) return { kind: 'invalid', reason: invalid };
  const tool = toolNameOf(span);
  if (tool === undefined) return { kind: 'invalid', reason: 'missing_tool_name' };

  const derived = deriveServerId(span.attributes, span.resource, span.kind);
  const registered = context.resolveInventory(span.attributes, span.resource, derived);
  const rules = context.rules;
  return {
    kind: 'call',
    call: {
      server: registered ?? boundedSeriesName(derived),
      tool: boundedSeriesName(tool),
      drill: matchesAny(rules.drill, span.attributes, span.resource),
      outcome: classifyOutcome(span, rules),
      fallback: matchesAny(rules.fallback, span.attributes, span.resource),
      latencyMs: span.endTimeMs - span.startTimeMs,
      eventTimeMs: span.endTimeMs,
      unregistered: registered === undefined,
    },
  };
}

function classifyOutcome(span: SpanInput, rules: ClassificationRules): CallOutcome {
  if (matchesAny(rules.policyBlock, span.attributes, span.resource)) {
    return matchesAny(rules.policyBlockExpected, span.attributes, span.resource)
      ? 'blocked_expected'
      : 'blocked_unexpected';
  }
  if (span.statusCode === STATUS_ERROR || matchesAny(rules.error, span.attributes, span.resource))
    return 'error';
  return 'ok';
}
