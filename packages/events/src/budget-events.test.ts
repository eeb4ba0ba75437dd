import {
  emptyCounters,
  evaluateRule,
  initialRuleState,
  limitsFor,
  PLAYBOOK_RULES,
  summarizeWindow,
} from '@budgetwatch/domain';
import { createEventValidator, eventSchemaFiles } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { eventKey, transitionEvents, UNREGISTERED } from './budget-events.js';
import { EVENT_TYPES } from './event-types.js';

const validator = createEventValidator();
const series = { server: 'payments', tool: 'refund', drill: false };
/** When the rule state's history began. */
const EPOCH = Date.UTC(2026, 10, 1);
const responder = {
  tier: 2 as const,
  owner: { team: 'payments-platform', email: 'payments@example.com', slackChannel: '#payments' },
  killSwitchOwner: 'ana',
  fallbackMode: 'queue refunds for manual review',
  maxBlastRadius: 'refunds of one tenant',
  recoveryChecklist: ['check the provider status page', 'replay queued refunds'],
};

/** A real measurement: every rule evaluated over a window that breaches it. */
function breach(ruleId: string) {
  const rule = PLAYBOOK_RULES.find((r) => r.id === ruleId);
  if (rule === undefined) throw new Error(ruleId);
  const totals = emptyCounters(1);
  Object.assign(totals, { calls: 200, errors: 20, blockedUnexpected: 40, fallbacks: 40, slow: [30] });
  const limits = limitsFor(rule, 2);
  const evaluation = evaluateRule(
    rule,
    limits,
    summarizeWindow(totals, [3000], rule.windowMs),
    initialRuleState(EPOCH),
    Date.UTC(2026, 10, 25),
  );
  expect(evaluation.transition).toBe('breached');
  return {
    rule,
    limits,
    measurement: evaluation.measurement,
    position: evaluation.state,
  };
}

/** The success-rate breach of a server the inventory does not list. */
function unregisteredBreach() {
  return {
    ...breach('success-rate'),
    series,
    responder: UNREGISTERED,
    evaluatedAtMs: 0,
    transition: 'breached' as const,
  };
}

describe('transition events', () => {
  it.each([
    ['success-rate', ['budget.breached', 'traffic.frozen'], ['budget.recovered', 'traffic.unfrozen']],
    ['latency-p95', ['budget.breached', 'concurrency.lowered'], ['budget.recovered', 'concurrency.restored']],
    ['unexpected-policy-blocks', ['budget.breached', 'audit.requested'], ['budget.recovered']],
    [
      'fallback-activation',
      ['budget.breached', 'incident.opened', 'expansion.halted'],
      ['budget.recovered', 'incident.resolved', 'expansion.resumed'],
    ],
  ])('%s: its events validate against their schemas', (ruleId, onBreach, onRecovery) => {
    const base = { ...breach(ruleId), series, responder, evaluatedAtMs: Date.UTC(2026, 10, 25, 12) };
    const breached = transitionEvents({ ...base, transition: 'breached' });
    const recovered = transitionEvents({
      ...base,
      transition: 'recovered',
      position: { epoch: EPOCH, transitions: 2 },
    });
    expect(breached.map((e) => e.type)).toEqual(onBreach.map((t) => `budgetwatch.${t}`));
    expect(recovered.map((e) => e.type)).toEqual(onRecovery.map((t) => `budgetwatch.${t}`));
    for (const event of [...breached, ...recovered]) {
      expect(validator.errors(JSON.parse(JSON.stringify(event)))).toEqual([]);
      expect(eventKey(event)).toBe('payments');
      expect(event.subject).toBe('payments/refund');
    }
    const [cause, ...actions] = breached;
    for (const action of actions)
      expect(action.data).toMatchObject({ causedBy: cause?.id, fallbackMode: responder.fallbackMode });
  });

  it('names each transition deterministically, so replicas and consumers agree', () => {
    const input = unregisteredBreach();
    expect(transitionEvents(input).map((e) => e.id)).toEqual(transitionEvents(input).map((e) => e.id));
    expect(transitionEvents(input)[0]?.id).toBe(
      `success-rate/prod|payments|refund/${EPOCH}/1/budget.breached`,
    );
    const rollup = transitionEvents({ ...input, series: { ...series, tool: null } })[0];
    expect(rollup?.subject).toBe('payments');
    expect(rollup?.data).toMatchObject({ scope: 'server', tool: null, tier: null, owner: null });
    expect(validator.errors(JSON.parse(JSON.stringify(rollup)))).toEqual([]);
  });

  it('never reuses an id when a lost state starts its history again', () => {
    const input = unregisteredBreach();
    const lost = transitionEvents(input).map((e) => e.id);
    const again = transitionEvents({ ...input, position: { epoch: EPOCH + 1, transitions: 1 } }).map(
      (e) => e.id,
    );
    for (const id of again) expect(lost).not.toContain(id);
  });

  it('the schemas reject what a policy engine must not accept', () => {
    const [event] = transitionEvents({
      ...breach('success-rate'),
      series,
      responder,
      evaluatedAtMs: 0,
      transition: 'breached',
    });
    const json = JSON.parse(JSON.stringify(event)) as Record<string, Record<string, unknown>>;
    expect(validator.errors({ ...json, specversion: '0.3' })).not.toEqual([]);
    expect(validator.errors({ ...json, data: { ...json.data, part: -1 } })).not.toEqual([]);
    expect(validator.errors({ ...json, data: { ...json.data, surprise: true } })).not.toEqual([]);
    expect(validator.errors({ ...json, type: 'budgetwatch.budget.exploded' })).toEqual([
      'no schema for event type budgetwatch.budget.exploded',
    ]);
  });

  it('every event type has a checked-in schema, and every schema file is used', () => {
    const files = [...eventSchemaFiles().keys()];
    for (const type of EVENT_TYPES) expect(files).toContain(`budgetwatch.${type}.schema.json`);
    const typed = files.filter((name) => name.startsWith('budgetwatch.'));
    expect(typed).toHaveLength(EVENT_TYPES.length);
  });
});
