import type { RuleAction } from './rule.js';

/** CloudEvent type suffixes (after `budgetwatch.`) an action emits when its rule fires and resolves. */
export const ACTION_EVENTS = {
  'freeze-traffic': { fire: 'traffic.frozen', resolve: 'traffic.unfrozen' },
  'lower-concurrency': { fire: 'concurrency.lowered', resolve: 'concurrency.restored' },
  'request-audit': { fire: 'audit.requested', resolve: null },
  'open-incident': { fire: 'incident.opened', resolve: 'incident.resolved' },
  'halt-expansion': { fire: 'expansion.halted', resolve: 'expansion.resumed' },
} as const satisfies Readonly<Record<RuleAction, { fire: string; resolve: string | null }>>;
