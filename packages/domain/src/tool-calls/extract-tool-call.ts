import type { Perspective } from '../recognition/recognition-profile.js';
import type { CompiledProfile, RecognisableSpan, Recognizer } from '../recognition/recognizer.js';
import { boundedSeriesName } from './bounded-name.js';
import { type InventoryResolver, UNATTRIBUTED_SERVER } from './server-identity.js';
import { type InvalidSpanReason, type SpanPlausibility, validateSpan } from './span-validation.js';
import type { ToolCall } from './tool-call.js';

/** The span fields extraction reads; the OTLP decoder's spans fit this shape. */
export interface SpanInput extends RecognisableSpan {
  traceId: string;
  spanId: string;
  /** Empty or absent for a root span; what "one call counts once" follows. */
  parentSpanId?: string;
  startTimeMs: number;
  endTimeMs: number;
}

/** What became of a span: a counted call, or why it was not counted. */
export type Extraction =
  | {
      kind: 'call';
      call: ToolCall;
      profile: string;
      /** False when neither the profile, the inventory nor service.name named the server. */
      attributed: boolean;
    }
  | { kind: 'not_tool_call' }
  | { kind: 'other_perspective'; profile: string; perspective: Perspective }
  | { kind: 'invalid'; reason: InvalidSpanReason; profile: string }
  /** The same call as a recognised span it encloses, which is counted instead. */
  | { kind: 'duplicate'; profile: string; call: ToolCall; countedSpanId: string };

/** Why a span was not counted, as the counters and `budgetwatch explain` name it. */
export type NotCountedReason = Exclude<Extraction['kind'], 'call' | 'invalid'> | InvalidSpanReason;

/** Shared: most spans are not tool calls, and none of them needs an object of its own. */
const NOT_TOOL_CALL: Extraction = Object.freeze({ kind: 'not_tool_call' });

export interface ExtractionContext {
  recognizer: Recognizer;
  /** Which side of a call counts (ingest.perspective). */
  perspective: Perspective;
  resolveInventory: InventoryResolver;
  nowMs: number;
  /** The largest window and the longest plausible latency (see validateSpan). */
  plausibility: SpanPlausibility;
}

/**
 * Turns one span into a counted tool call, or says why it is not one. A span alone: enclosing
 * spans of the same call are found by extractToolCalls, over a record's spans.
 */
export function extractToolCall(span: SpanInput, context: ExtractionContext): Extraction {
  const profile = context.recognizer.recognise(span);
  if (profile === undefined) return NOT_TOOL_CALL;
  if (profile.perspective !== context.perspective) {
    return { kind: 'other_perspective', profile: profile.name, perspective: profile.perspective };
  }
  const invalid = validateSpan(span, context.nowMs, context.plausibility);
  if (invalid !== undefined) return { kind: 'invalid', reason: invalid, profile: profile.name };
  const tool = profile.toolName(span);
  if (tool === undefined) return { kind: 'invalid', reason: 'missing_tool_name', profile: profile.name };

  const server = attributeServer(span, profile, context.resolveInventory);
  return {
    kind: 'call',
    profile: profile.name,
    attributed: server.id !== UNATTRIBUTED_SERVER,
    call: {
      server: server.id,
      tool: boundedSeriesName(tool),
      drill: profile.isDrill(span),
      outcome: profile.outcome(span),
      fallback: profile.isFallback(span),
      latencyMs: span.endTimeMs - span.startTimeMs,
      eventTimeMs: span.endTimeMs,
      unregistered: !server.registered,
    },
  };
}

/**
 * Which server a call belongs to: the inventory's match rules first (they name registered
 * servers), else the profile's server attributes, else the resource's service.name for a
 * server-side span (the server's own process), else unattributed.
 */
function attributeServer(
  span: SpanInput,
  profile: CompiledProfile,
  resolveInventory: InventoryResolver,
): { id: string; registered: boolean } {
  let derived = profile.serverId(span);
  if (derived === undefined && profile.perspective === 'server') {
    const service = span.resource['service.name'];
    if (typeof service === 'string' && service !== '') derived = service;
  }
  if (derived === UNATTRIBUTED_SERVER) derived = undefined;
  const registered = resolveInventory(span.attributes, span.resource, derived);
  if (registered !== undefined) return { id: registered, registered: true };
  return { id: derived === undefined ? UNATTRIBUTED_SERVER : boundedSeriesName(derived), registered: false };
}
