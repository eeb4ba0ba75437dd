import { DEFAULT_POLICY, limitsFor, type Rule } from '@budgetwatch/domain';
import {
  type BudgetwatchEvent,
  type ResponderContext,
  transitionEvents,
  UNREGISTERED,
} from '@budgetwatch/events';

/** An inventory entry with every responder field, for notifications to show. */
export const OWNED_RESPONDER: ResponderContext = {
  tier: 2,
  owner: { team: 'payments', email: 'payments@example.com', slackChannel: '#payments-oncall' },
  killSwitchOwner: 'alice',
  fallbackMode: 'read-only cache',
  maxBlastRadius: 'refunds for one region',
  recoveryChecklist: ['Route to the fallback', 'Check the payment provider status'],
};

/** An inventory that lists payments-mcp (OWNED_RESPONDER) and no other server, looked up by id. */
export function paymentsOnlyInventory(server: string): ResponderContext {
  return server === 'payments-mcp' ? OWNED_RESPONDER : UNREGISTERED;
}

function ruleOf(id: string): Rule {
  const rule = DEFAULT_POLICY.rules.find((candidate) => candidate.id === id);
  if (rule === undefined) throw new Error(`no rule ${id}`);
  return rule;
}

/**
 * The events the evaluator publishes for one rule transition (budget event and actions), with
 * fixed counts: a breach of 100 of 110, a recovery of 500 of 510.
 */
export function budgetTransitionEvents(options: {
  rule?: string;
  server?: string;
  tool?: string | null;
  drill?: boolean;
  transition: 'breached' | 'recovered';
  number: number;
  /** When the rule state's history began (default: a fixed day). */
  epoch?: number;
  atMs?: number;
  responder?: ResponderContext;
}): BudgetwatchEvent[] {
  const rule = ruleOf(options.rule ?? 'success-rate');
  return transitionEvents({
    rule,
    limits: limitsFor(rule, undefined),
    series: {
      server: options.server ?? 'payments-mcp',
      tool: options.tool === undefined ? 'refund' : options.tool,
      drill: options.drill ?? false,
    },
    transition: options.transition,
    position: { epoch: options.epoch ?? Date.UTC(2026, 10, 1), transitions: options.number },
    measurement:
      options.transition === 'breached'
        ? { part: 100, whole: 110, value: 100 / 110, breaching: true, recovered: false }
        : { part: 500, whole: 510, value: 500 / 510, breaching: false, recovered: true },
    responder: options.responder ?? OWNED_RESPONDER,
    evaluatedAtMs: options.atMs ?? Date.UTC(2026, 10, 25, 12),
  });
}
