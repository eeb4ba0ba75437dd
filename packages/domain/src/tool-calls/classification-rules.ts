import type { AttributeMatcher } from './attribute-matcher.js';

/** Which spans count: client-side (`kind != SERVER`, the default) or server-side (`kind == SERVER`). */
export type Perspective = 'client' | 'server';

/** How spans become tool calls and outcomes. Every list is "any of"; defaults are below. */
export interface ClassificationRules {
  perspective: Perspective;
  /** A span with status ERROR is always an error; these add more error conditions. */
  error: readonly AttributeMatcher[];
  policyBlock: readonly AttributeMatcher[];
  /** Among policy blocks: the ones that are expected (a correct denial, not a scope mistake). */
  policyBlockExpected: readonly AttributeMatcher[];
  fallback: readonly AttributeMatcher[];
  drill: readonly AttributeMatcher[];
}

/**
 * The default matchers of docs/contract.md#2-input-tool-call-spans: the MCP and OTel GenAI semantic
 * conventions plus budgetwatch.*.
 */
export const DEFAULT_CLASSIFICATION_RULES: ClassificationRules = {
  perspective: 'client',
  error: [{ attribute: 'error.type', present: true }],
  policyBlock: [
    { attribute: 'budgetwatch.policy.decision', equals: 'deny' },
    { attribute: 'error.type', oneOf: ['policy_denied', 'permission_denied', 'forbidden'] },
  ],
  policyBlockExpected: [{ attribute: 'budgetwatch.policy.expected', equals: true }],
  fallback: [{ attribute: 'budgetwatch.fallback.activated', equals: true }],
  drill: [{ attribute: 'budgetwatch.drill', equals: true }],
};
