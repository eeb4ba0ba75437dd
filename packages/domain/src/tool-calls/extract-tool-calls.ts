import { markCallsNestedInTime } from './calls-nested-in-time.js';
import {
  type Extraction,
  type ExtractionContext,
  extractToolCall,
  type SpanInput,
} from './extract-tool-call.js';

/** How far up a parent chain a wrapping span is looked for (chains are short; cycles are cut). */
const MAX_ANCESTRY = 64;

/**
 * The extraction of each of one record's spans (same order), each call counted once per
 * perspective: a counted span that encloses another counted span of the same trace (its
 * descendant through parent span ids, within these spans) is the same call seen twice, for
 * example an AI SDK tool span wrapping the MCP client span of the call it makes. The innermost
 * span counts; the enclosing one is a `duplicate`. Then calls of two instrumentations that do not
 * nest by parent id but by time (markCallsNestedInTime). Spans of one call in different records
 * cannot be seen together and count each (docs/contract.md#2-input-tool-call-spans).
 */
export function extractToolCalls(spans: readonly SpanInput[], context: ExtractionContext): Extraction[] {
  const extractions: Extraction[] = new Array(spans.length);
  let calls = 0;
  let callWithParent = false;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as SpanInput;
    const extraction = extractToolCall(span, context);
    extractions[i] = extraction;
    if (extraction.kind === 'call') {
      calls += 1;
      if (span.parentSpanId !== undefined && span.parentSpanId !== '') callWithParent = true;
    }
  }
  // A call encloses another only if two are counted and one of them has a parent.
  if (calls > 1 && callWithParent) markEnclosingCalls(spans, extractions);
  if (calls > 1) markCallsNestedInTime(spans, extractions);
  return extractions;
}

function markEnclosingCalls(spans: readonly SpanInput[], extractions: Extraction[]): void {
  // Most records hold one call per trace: only traces with two or more calls are looked into.
  const callsPerTrace = new Map<string, number>();
  for (let i = 0; i < spans.length; i++) {
    if (extractions[i]?.kind !== 'call') continue;
    const trace = (spans[i] as SpanInput).traceId;
    callsPerTrace.set(trace, (callsPerTrace.get(trace) ?? 0) + 1);
  }
  // Per shared trace, where each of its spans is: parent chains are followed through any span.
  const spansOf = new Map<string, Map<string, number>>();
  const calls: number[] = [];
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as SpanInput;
    if ((callsPerTrace.get(span.traceId) ?? 0) < 2) continue;
    let trace = spansOf.get(span.traceId);
    if (trace === undefined) {
      trace = new Map();
      spansOf.set(span.traceId, trace);
    }
    trace.set(span.spanId, i);
    if (extractions[i]?.kind === 'call') calls.push(i);
  }
  const isCall = new Set(calls);
  const ancestorsOf = (i: number, visit: (ancestor: number) => void) => {
    const span = spans[i] as SpanInput;
    const trace = spansOf.get(span.traceId);
    let parent = span.parentSpanId;
    for (let depth = 0; trace !== undefined && parent !== undefined && depth < MAX_ANCESTRY; depth++) {
      const at = trace.get(parent);
      if (at === undefined) return;
      if (at !== i && isCall.has(at)) visit(at);
      parent = spans[at]?.parentSpanId;
    }
  };
  const enclosingSet = new Set<number>();
  for (const i of calls) ancestorsOf(i, (ancestor) => enclosingSet.add(ancestor));
  // Each enclosing call names a counted span below it, for explain.
  const enclosing = new Map<number, string>();
  for (const i of calls) {
    if (enclosingSet.has(i)) continue;
    const spanId = spans[i]?.spanId ?? '';
    ancestorsOf(i, (ancestor) => {
      if (!enclosing.has(ancestor)) enclosing.set(ancestor, spanId);
    });
  }
  for (const i of enclosingSet) {
    const extraction = extractions[i];
    if (extraction?.kind === 'call') {
      const countedSpanId = enclosing.get(i) ?? '';
      extractions[i] = {
        kind: 'duplicate',
        profile: extraction.profile,
        call: extraction.call,
        countedSpanId,
      };
    }
  }
}
