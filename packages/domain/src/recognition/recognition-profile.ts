import type { AttributeMatcher } from '../tool-calls/attribute-matcher.js';

/**
 * Which side of a call a span stands for: the agent calling (client) or the MCP server serving
 * (server). A profile says it, whatever the span's OTel kind.
 */
export type Perspective = 'client' | 'server';

/** OTLP span kinds by name, as profiles name them. */
export const SPAN_KINDS = {
  unspecified: 0,
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
} as const;
export type SpanKindName = keyof typeof SPAN_KINDS;

/** Which spans a profile recognises: every condition given holds. */
export interface ProfileMatch {
  /** Each of these holds. */
  attributes?: readonly AttributeMatcher[];
  /** At least one of these holds (when given). */
  anyAttributes?: readonly AttributeMatcher[];
  /** The span's kind is one of these (when given). */
  spanKinds?: readonly SpanKindName[];
  /** A regular expression the span name matches (when given). */
  spanName?: string;
}

/** Where the tool name comes from: the first non-empty attribute, else the span name's capture. */
export interface ToolNameSource {
  attributes: readonly string[];
  /** A regular expression whose first capture group is the tool name (trimmed). */
  spanName?: string;
}

/** One place a server id can come from; `port` names an attribute appended as `:port`. */
export interface ServerIdSource {
  attribute: string;
  on?: 'span' | 'resource';
  port?: string;
}

/** How a recognised span's outcome is read. Every list is "any of". */
export interface OutcomeRules {
  /** A span with status ERROR is an error. */
  statusError: boolean;
  /** More error conditions (MCP sets `error.type = tool_error` for an `isError` result). */
  error: readonly AttributeMatcher[];
  policyBlock: readonly AttributeMatcher[];
  /** Among policy blocks: the ones that are expected (a correct denial, not a scope mistake). */
  policyBlockExpected: readonly AttributeMatcher[];
  fallback: readonly AttributeMatcher[];
  drill: readonly AttributeMatcher[];
}

/**
 * How one instrumentation's spans become tool calls (docs/contract.md#2-input-tool-call-spans):
 * which spans, the tool name, the server id, the perspective and the outcome.
 */
export interface RecognitionProfile {
  name: string;
  /** One line for people: which instrumentation emits these spans. */
  description: string;
  match: ProfileMatch;
  tool: ToolNameSource;
  /** Tried in order; none giving an id leaves the call to the inventory (and service.name). */
  server: readonly ServerIdSource[];
  perspective: Perspective;
  outcome: OutcomeRules;
  /**
   * What the instrumentation's spans cannot tell, as its tests with the real package show: the
   * coverage report names it beside the profile's calls (docs/contract.md#telemetry-coverage).
   */
  cannotReport?: readonly string[];
}

/**
 * The outcome matchers of the MCP and OTel GenAI semantic conventions plus budgetwatch.*: every
 * built-in profile reads outcomes this way, and a configured profile does unless it says otherwise.
 */
export const DEFAULT_OUTCOME_RULES: OutcomeRules = {
  statusError: true,
  error: [{ attribute: 'error.type', present: true }],
  policyBlock: [
    { attribute: 'budgetwatch.policy.decision', equals: 'deny' },
    { attribute: 'error.type', oneOf: ['policy_denied', 'permission_denied', 'forbidden'] },
  ],
  policyBlockExpected: [{ attribute: 'budgetwatch.policy.expected', equals: true }],
  fallback: [{ attribute: 'budgetwatch.fallback.activated', equals: true }],
  drill: [{ attribute: 'budgetwatch.drill', equals: true }],
};
