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
 * span counts; the enclosing one is a `duplicate`. Spans of one call in different records cannot
 * be seen together and count each (docs/contract.md#2-input-tool-call-spans).
 */
export function extractToolCalls(spans: readonly SpanInput[], context: ExtractionContext): Extraction[] {
  const extractions = spans.map((span) => extractToolCall(span, context));
  markEnclosingCalls(spans, extractions);
  return extractions;
}

function markEnclosingCalls(spans: readonly SpanInput[], extractions: Extraction[]): void {
  // Most records hold one call per trace: only traces with two or more calls are looked into.
  const callsPerTrace = new Map<string, number>();
  let shared = false;
  extractions.forEach((extraction, i) => {
    if (extraction.kind !== 'call') return;
    const trace = spans[i]?.traceId ?? '';
    const count = (callsPerTrace.get(trace) ?? 0) + 1;
    callsPerTrace.set(trace, count);
    if (count > 1) shared = true;
  });
  if (!shared) return;

  const key = (trace: string, span: string) => `${trace}/${span}`;
  const parentOf = new Map<string, string | undefined>();
  for (const span of spans) {
    if ((callsPerTrace.get(span.traceId) ?? 0) > 1) {
      parentOf.set(key(span.traceId, span.spanId), span.parentSpanId);
    }
  }
  const callAt = new Map<string, number>();
  extractions.forEach((extraction, i) => {
    const span = spans[i];
    if (extraction.kind === 'call' && span !== undefined && (callsPerTrace.get(span.traceId) ?? 0) > 1) {
      callAt.set(key(span.traceId, span.spanId), i);
    }
  });
  const ancestorsOf = (i: number, visit: (ancestor: number) => void) => {
    const span = spans[i];
    if (span === undefined) return;
    let parent = span.parentSpanId;
    for (let depth = 0; parent !== undefined && parent !== '' && depth < MAX_ANCESTRY; depth++) {
      const parentKey = key(span.traceId, parent);
      const ancestor = callAt.get(parentKey);
      if (ancestor !== undefined && ancestor !== i) visit(ancestor);
      parent = parentOf.get(parentKey);
    }
  };
  const enclosingSet = new Set<number>();
  for (const i of callAt.values()) ancestorsOf(i, (ancestor) => enclosingSet.add(ancestor));
  // Each enclosing call names a counted span below it, for explain.
  const enclosing = new Map<number, string>();
  for (const i of callAt.values()) {
    if (enclosingSet.has(i)) continue;
    const spanId = spans[i]?.spanId ?? '';
    ancestorsOf(i, (ancestor) => {
      if (!enclosing.has(ancestor)) enclosing.set(ancestor, spanId);
    });
  }
  for (const i of enclosingSet) if (!enclosing.has(i)) enclosing.set(i, '');
  for (const [i, countedSpanId] of enclosing) {
    const extraction = extractions[i];
    if (extraction?.kind === 'call') {
      extractions[i] = {
        kind: 'duplicate',
        profile: extraction.profile,
        call: extraction.call,
        countedSpanId,
      };
    }
  }
}
