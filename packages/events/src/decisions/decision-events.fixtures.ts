import { limitsFor, PLAYBOOK_RULES } from '@budgetwatch/domain';
import { transitionEvents, UNREGISTERED } from '../budget-events.js';
import type { BudgetwatchEvent } from '../budgetwatch-event.js';

const EPOCH = Date.UTC(2026, 10, 1);

/** The success-rate rule's n-th transition on payments-mcp/refunds/create (odd: breach, even: recovery). */
export function budgetTransitionEventsForTest(n: number): BudgetwatchEvent[] {
  const rule = PLAYBOOK_RULES.find((r) => r.id === 'success-rate');
  if (rule === undefined) throw new Error('success-rate');
  return transitionEvents({
    rule,
    limits: limitsFor(rule, 2),
    series: { server: 'payments-mcp', tool: 'refunds/create', drill: false },
    transition: n % 2 === 1 ? 'breached' : 'recovered',
    position: { epoch: EPOCH, transitions: n },
    measurement: { part: 1, whole: 10, value: 0.1, breaching: n % 2 === 1, recovered: n % 2 === 0 },
    responder: { ...UNREGISTERED, fallbackMode: 'queue refunds' },
    evaluatedAtMs: EPOCH + n * 60_000,
  });
}
