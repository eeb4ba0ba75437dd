import { DEFAULT_POLICY, limitsFor } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import { transitionEvents, UNREGISTERED } from './budget-events.js';
import { parseBudgetwatchEvent } from './parse-event.js';

const rule = DEFAULT_POLICY.rules[0];
if (rule === undefined) throw new Error('no default rule');
const events = transitionEvents({
  rule,
  limits: limitsFor(rule, undefined),
  series: { server: 's', tool: 't', drill: false },
  transition: 'breached',
  position: { epoch: 1, transitions: 1 },
  measurement: { part: 1, whole: 2, value: 0.5, breaching: true, recovered: false },
  responder: UNREGISTERED,
  evaluatedAtMs: 0,
});

describe('parseBudgetwatchEvent', () => {
  it('accepts what the evaluator publishes', () => {
    for (const event of events) expect(parseBudgetwatchEvent(JSON.stringify(event))).toEqual({ event });
  });

  it.each([
    [null, 'invalid_json'],
    ['{', 'invalid_json'],
    ['[]', 'not_a_budgetwatch_event'],
    [JSON.stringify({ ...events[0], type: 'budgetwatch.other' }), 'not_a_budgetwatch_event'],
    [JSON.stringify({ ...events[0], data: { ...events[0]?.data, server: 42 } }), 'not_a_budgetwatch_event'],
    [JSON.stringify({ ...events[0], data: { ...events[0]?.data, part: '1' } }), 'not_a_budgetwatch_event'],
    [
      JSON.stringify({ ...events[1], data: { ...events[1]?.data, causedBy: undefined } }),
      'not_a_budgetwatch_event',
    ],
  ])('rejects %s as %s', (value, reason) => {
    expect(parseBudgetwatchEvent(value)).toMatchObject({ reason });
  });
});
