import { createEventValidator } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { positionOf } from './decisions/decision-state.js';
import { OPERATOR_EVENT_TYPES } from './event-types.js';
import {
  MAX_ACTOR_LENGTH,
  MAX_LIFT_MS,
  MAX_REASON_LENGTH,
  type OperatorEventInput,
  OperatorStamps,
  operatorEvent,
} from './operator-events.js';
import { parseBudgetwatchEvent } from './parse-event.js';

const AT = Date.UTC(2026, 10, 28, 12);
const base: OperatorEventInput = {
  type: 'freeze.set',
  subject: { server: 'payments-mcp', tool: 'refunds/create' },
  actor: 'alice',
  reason: 'refunds double-charging',
  responder: { fallbackMode: 'queue refunds', killSwitchOwner: 'payments-oncall' },
  stamp: { atMs: AT, nonce: 42 },
};
const validator = createEventValidator();

describe('operator events', () => {
  it.each(OPERATOR_EVENT_TYPES)('%s validates against its schema and parses back', (type) => {
    const subject = type.startsWith('killswitch.') ? { server: 'payments-mcp', tool: null } : base.subject;
    const event = operatorEvent({ ...base, type, subject });
    expect(validator.errors(JSON.parse(JSON.stringify(event)))).toEqual([]);
    expect(parseBudgetwatchEvent(JSON.stringify(event))).toEqual({ event });
    expect(event).toMatchObject({ source: 'budgetwatch/operator', time: new Date(AT).toISOString() });
    expect(event.data).toMatchObject({ rule: 'operator', actor: 'alice', fallbackMode: 'queue refunds' });
  });

  it('a lift carries its end, or null for "until the rule fires again"', () => {
    const timed = operatorEvent({ ...base, type: 'freeze.lifted', liftMs: 3_600_000 });
    const open = operatorEvent({ ...base, type: 'freeze.lifted' });
    expect(timed.data).toMatchObject({ until: new Date(AT + 3_600_000).toISOString() });
    expect(open.data).toMatchObject({ until: null });
    expect(() => operatorEvent({ ...base, type: 'freeze.lifted', liftMs: MAX_LIFT_MS + 1 })).toThrow();
    expect(() => operatorEvent({ ...base, type: 'freeze.lifted', liftMs: 10 })).toThrow();
  });

  it('names the subject and stamp in its id, which reads as a position', () => {
    const event = operatorEvent(base);
    expect(event.id).toBe(`operator/payments-mcp/refunds%2Fcreate/${AT}/42/freeze.set`);
    expect(event.subject).toBe('payments-mcp/refunds/create');
    expect(positionOf(event.id)).toEqual({ epoch: AT, transitions: 42 });
  });

  it.each([
    ['a kill switch on a tool', { type: 'killswitch.engaged' as const }],
    ['a blank reason', { reason: '  ' }],
    ['a long reason', { reason: 'x'.repeat(MAX_REASON_LENGTH + 1) }],
    ['a long actor', { actor: 'x'.repeat(MAX_ACTOR_LENGTH + 1) }],
    ['an empty server', { subject: { server: '', tool: null } }],
    ['a long tool name', { subject: { server: 's', tool: 't'.repeat(257) } }],
  ])('refuses %s', (_, change) => {
    expect(() => operatorEvent({ ...base, ...change })).toThrow();
  });

  it('parsing refuses operator events that are out of bounds or inconsistent', () => {
    const event = JSON.parse(JSON.stringify(operatorEvent(base))) as Record<string, Record<string, unknown>>;
    const refused = (changed: object) => parseBudgetwatchEvent(JSON.stringify(changed));
    expect(refused({ ...event, data: { ...event.data, actor: '' } })).toMatchObject({
      reason: 'not_a_budgetwatch_event',
    });
    expect(refused({ ...event, data: { ...event.data, scope: 'server' } })).toMatchObject({
      detail: 'data.scope does not match data.tool',
    });
    expect(refused({ ...event, subject: 'payments-mcp' })).toMatchObject({
      detail: 'subject does not match data.server and data.tool',
    });
    expect(refused({ ...event, data: { ...event.data, surprise: 1 } })).toMatchObject({
      reason: 'not_a_budgetwatch_event',
    });
    expect(validator.errors({ ...event, data: { ...event.data, reason: 'x'.repeat(501) } })).not.toEqual([]);
  });
});

describe('OperatorStamps', () => {
  it('only grow, even when the clock stands still or steps back', () => {
    const times = [AT, AT, AT - 5000, AT + 10];
    let nonce = 0;
    const stamps = new OperatorStamps(
      () => times.shift() ?? AT,
      () => nonce++,
    );
    expect([stamps.next(), stamps.next(), stamps.next(), stamps.next()].map((stamp) => stamp.atMs)).toEqual([
      AT,
      AT + 1,
      AT + 2,
      AT + 10,
    ]);
  });

  it('differ between two processes acting in the same millisecond', () => {
    const a = new OperatorStamps(() => AT).next();
    const b = new OperatorStamps(() => AT).next();
    expect(operatorEvent({ ...base, stamp: a }).id).not.toBe(operatorEvent({ ...base, stamp: b }).id);
  });
});
