import type { Extraction, SpanInput } from './extract-tool-call.js';

/** Calls of one group compared pairwise at most: beyond, the group is left as it is (see below). */
const MAX_GROUP_CALLS = 512;

/**
 * How far two spans' times may be off: the OpenTelemetry JS SDK records a span's start in whole
 * milliseconds and its end as that start plus a monotonic duration, so each span sits up to 1 ms
 * early, by an amount of its own.
 */
const CLOCK_SLACK_MS = 1;

/**
 * The second way one call shows as two counted spans: two instrumentations on one agent whose
 * spans do not nest by parent id. Traceloop's MCP instrumentation parents its tool spans to a
 * session span of its own, not to the span active when the call is made, so a framework's tool
 * span (LangChain's OpenInference TOOL span) and the Traceloop span of the MCP call it makes sit
 * in different traces. What they share: the agent (resource service.name), the tool, and time:
 * the MCP call lies within the tool span.
 *
 * So, among the calls of a record still counted, grouped by service.name and tool: a call of one
 * profile that lies within ([start, end], give or take CLOCK_SLACK_MS) a longer call of another
 * profile is the same call, and the enclosing one becomes a `duplicate` of it. One to one: each
 * inner call, shortest first, takes the enclosing call not yet taken whose start and end are
 * nearest its own. Calls of one profile never pair, so concurrent calls of one instrumentation
 * are left alone. A group of more than MAX_GROUP_CALLS calls is left as it
 * is, to bound the work a record can ask for (docs/contract.md#2-input-tool-call-spans).
 */
export function markCallsNestedInTime(spans: readonly SpanInput[], extractions: Extraction[]): void {
  // Most records hold the calls of one instrumentation: nothing to pair, and nothing to group.
  let profile: string | undefined;
  let profiles = 0;
  for (const extraction of extractions) {
    if (extraction?.kind !== 'call' || extraction.profile === profile) continue;
    profile = extraction.profile;
    profiles += 1;
    if (profiles > 1) break;
  }
  if (profiles < 2) return;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < extractions.length; i++) {
    const extraction = extractions[i];
    if (extraction?.kind !== 'call') continue;
    const service = (spans[i] as SpanInput).resource['service.name'];
    const key = `${typeof service === 'string' ? service : ''}\u0000${extraction.call.tool}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [i]);
    else group.push(i);
  }
  for (const group of groups.values()) {
    if (group.length < 2 || group.length > MAX_GROUP_CALLS || !hasTwoProfiles(group, extractions)) continue;
    pairWithinGroup(group, spans, extractions);
  }
}

function profileOf(extractions: readonly Extraction[], i: number): string {
  const extraction = extractions[i];
  return extraction?.kind === 'call' ? extraction.profile : '';
}

function hasTwoProfiles(group: readonly number[], extractions: readonly Extraction[]): boolean {
  const first = profileOf(extractions, group[0] as number);
  return group.some((i) => profileOf(extractions, i) !== first);
}

function pairWithinGroup(
  group: readonly number[],
  spans: readonly SpanInput[],
  extractions: Extraction[],
): void {
  const span = (i: number) => spans[i] as SpanInput;
  const duration = (i: number) => span(i).endTimeMs - span(i).startTimeMs;
  const encloses = (outer: number, inner: number) =>
    duration(outer) >= duration(inner) &&
    span(outer).startTimeMs <= span(inner).startTimeMs + CLOCK_SLACK_MS &&
    span(inner).endTimeMs <= span(outer).endTimeMs + CLOCK_SLACK_MS;
  const distance = (outer: number, inner: number) =>
    Math.abs(span(inner).startTimeMs - span(outer).startTimeMs) +
    Math.abs(span(outer).endTimeMs - span(inner).endTimeMs);
  const paired = new Set<number>();
  const shortestFirst = [...group].sort((a, b) => duration(a) - duration(b) || a - b);
  for (const inner of shortestFirst) {
    if (paired.has(inner)) continue;
    let nearest: number | undefined;
    for (const outer of group) {
      if (outer === inner || paired.has(outer)) continue;
      if (profileOf(extractions, outer) === profileOf(extractions, inner) || !encloses(outer, inner))
        continue;
      if (nearest === undefined || distance(outer, inner) < distance(nearest, inner)) nearest = outer;
    }
    if (nearest === undefined) continue;
    paired.add(inner);
    paired.add(nearest);
    const enclosing = extractions[nearest];
    if (enclosing?.kind !== 'call') continue;
    extractions[nearest] = {
      kind: 'duplicate',
      profile: enclosing.profile,
      call: enclosing.call,
      countedSpanId: span(inner).spanId,
    };
  }
}
