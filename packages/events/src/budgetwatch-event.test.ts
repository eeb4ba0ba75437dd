import { DEFAULT_POLICY, limitsFor } from '@budgetwatch/domain';
import {
  createEventValidator,
  crsGateTransitionEvent,
  unregisteredServerAnnouncement,
} from '@budgetwatch/testkit';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { transitionEvents, UNREGISTERED } from './budget-events.js';
import {
  type BudgetwatchEvent,
  isActionEvent,
  isBudgetTransitionEvent,
  isCrsGateEvent,
} from './budgetwatch-event.js';

const fallbackRule = DEFAULT_POLICY.rules.find((rule) => rule.id === 'fallback-activation');
if (fallbackRule === undefined) throw new Error('no fallback-activation rule');

/** budget.breached, incident.opened and expansion.halted of the fallback-activation rule. */
const ruleEvents = transitionEvents({
  rule: fallbackRule,
  limits: limitsFor(fallbackRule, undefined),
  series: { server: 'payments-mcp', tool: null, drill: false },
  transition: 'breached',
  position: { epoch: 1, transitions: 1 },
  measurement: { part: 20, whole: 100, value: 0.2, breaching: true, recovered: false },
  responder: UNREGISTERED,
  evaluatedAtMs: 0,
});
const gateEvent = crsGateTransitionEvent({ transition: 'breached', number: 1 });
const unregistered = unregisteredServerAnnouncement({ tools: ['exec'] });

describe('BudgetwatchEvent', () => {
  it('the guards tell budget, action, CRS gate and inventory events apart', () => {
    const kinds = (event: BudgetwatchEvent) =>
      [
        isBudgetTransitionEvent(event) && 'budget',
        isActionEvent(event) && 'action',
        isCrsGateEvent(event) && 'crs-gate',
      ].filter(Boolean);
    expect([...ruleEvents, gateEvent, unregistered].map((event) => [event.type, kinds(event)])).toEqual([
      ['budgetwatch.budget.breached', ['budget']],
      ['budgetwatch.incident.opened', ['action']],
      // The rule's own halt is an action of its breach; only the gate's carries a score.
      ['budgetwatch.expansion.halted', ['action']],
      ['budgetwatch.expansion.halted', ['action', 'crs-gate']],
      ['budgetwatch.inventory.unregistered', []],
    ]);
    // The union only types what is on the wire: every one of them still meets its schema.
    const validator = createEventValidator();
    for (const event of [...ruleEvents, gateEvent, unregistered])
      expect(validator.errors(JSON.parse(JSON.stringify(event)))).toEqual([]);
  });

  it('comparing the type narrows data, so consumers need no cast', () => {
    const event: BudgetwatchEvent = unregistered;
    if (event.type === 'budgetwatch.inventory.unregistered') {
      expectTypeOf(event.data.tools).toEqualTypeOf<string[]>();
      expect(event.data.tools).toEqual(['exec']);
    }
    const [breach] = ruleEvents;
    if (breach !== undefined && isBudgetTransitionEvent(breach)) {
      expectTypeOf(breach.data.part).toEqualTypeOf<number>();
      expect(breach.data.part).toBe(20);
    }
    if (isCrsGateEvent(gateEvent)) expect(gateEvent.data.crs.threshold).toBe(60);
  });
});
