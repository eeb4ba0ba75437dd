import { limitsFor, PLAYBOOK_RULES, type SeriesRef } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import { transitionEvents, UNREGISTERED } from '../budget-events.js';
import type { BudgetwatchEvent } from '../budgetwatch-event.js';
import { type OperatorEventInput, operatorEvent } from '../operator-events.js';
import { decisionKey, decisionSubjectOf } from './decision-key.js';
import { DecisionBook, positionOf } from './decision-state.js';

const EPOCH = Date.UTC(2026, 10, 1);
const refunds: SeriesRef = { server: 'payments-mcp', tool: 'refunds/create', drill: false };
const payments: SeriesRef = { server: 'payments-mcp', tool: null, drill: false };

/** The real events of a rule's n-th transition on a series (odd n: breached, even: recovered). */
function transition(ruleId: string, series: SeriesRef, n: number, epoch = EPOCH): BudgetwatchEvent[] {
  // error-rate: a second freezing rule, as a policy may add.
  const playbook = PLAYBOOK_RULES.find((r) => r.id === (ruleId === 'error-rate' ? 'success-rate' : ruleId));
  const rule = playbook === undefined ? undefined : { ...playbook, id: ruleId };
  if (rule === undefined) throw new Error(ruleId);
  return transitionEvents({
    rule,
    limits: limitsFor(rule, 2),
    series,
    transition: n % 2 === 1 ? 'breached' : 'recovered',
    position: { epoch, transitions: n },
    measurement: { part: 1, whole: 10, value: 0.1, breaching: n % 2 === 1, recovered: n % 2 === 0 },
    responder: { ...UNREGISTERED, fallbackMode: 'queue refunds' },
    evaluatedAtMs: epoch + n * 60_000,
  });
}

function applyAll(book: DecisionBook, events: readonly BudgetwatchEvent[]) {
  return events.flatMap((event) => book.apply(event));
}

const kindsOf = (book: DecisionBook, series: SeriesRef) =>
  book.get(series).decisions.map((decision) => decision.kind);

describe('DecisionBook', () => {
  it('a breach sets the actions of its rule, with the rule, the time and the event as cause', () => {
    const book = new DecisionBook();
    const events = transition('success-rate', refunds, 1);
    const changes = applyAll(book, events);

    expect(changes).toHaveLength(1);
    const frozen = events.find((event) => event.type === 'budgetwatch.traffic.frozen');
    expect(book.get(refunds)).toEqual({
      key: 'payments-mcp/refunds%2Fcreate',
      server: 'payments-mcp',
      tool: 'refunds/create',
      fallbackMode: 'queue refunds',
      decisions: [
        {
          kind: 'frozen',
          since: frozen?.time,
          causes: [{ rule: 'success-rate', since: frozen?.time, eventId: frozen?.id }],
        },
      ],
    });
    expect(book.current()).toEqual([book.get(refunds)]);
  });

  it('each playbook action maps to its decision, and the recovery lifts it (audit included)', () => {
    const book = new DecisionBook();
    applyAll(book, transition('latency-p95', refunds, 1));
    applyAll(book, transition('unexpected-policy-blocks', refunds, 1));
    applyAll(book, transition('fallback-activation', payments, 1));
    expect(kindsOf(book, refunds)).toEqual(['concurrency_lowered', 'audit_requested']);
    expect(kindsOf(book, payments)).toEqual(['incident_open', 'expansion_halted']);

    applyAll(book, transition('latency-p95', refunds, 2));
    applyAll(book, transition('unexpected-policy-blocks', refunds, 2));
    applyAll(book, transition('fallback-activation', payments, 2));
    expect(kindsOf(book, refunds)).toEqual([]);
    expect(kindsOf(book, payments)).toEqual([]);
    expect(book.current()).toEqual([]);
  });

  it('the last change of a recovery is an empty subject: the tombstone a compacted feed writes', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    const changes = applyAll(book, transition('success-rate', refunds, 2));
    expect(changes.at(-1)).toMatchObject({ key: decisionKey(refunds), decisions: [] });
  });

  it('holds a decision while any of its rules holds it, since the earliest', () => {
    const book = new DecisionBook();
    applyAll(book, transition('fallback-activation', payments, 1));
    // The CRS gate halts expansion too, an hour later.
    const secondHalt = transition('fallback-activation', payments, 1)
      .filter((event) => event.type === 'budgetwatch.expansion.halted')
      .map((event) => ({
        ...event,
        id: event.id.replace('fallback-activation', 'crs-gate'),
        time: new Date(EPOCH + 3_600_000).toISOString(),
        data: { ...event.data, rule: 'crs-gate' },
      })) as BudgetwatchEvent[];
    applyAll(book, secondHalt);
    const halted = book.get(payments).decisions.find((decision) => decision.kind === 'expansion_halted');
    expect(halted?.causes.map((cause) => cause.rule)).toEqual(['crs-gate', 'fallback-activation']);
    expect(halted?.since).toBe(new Date(EPOCH + 60_000).toISOString());

    applyAll(book, transition('fallback-activation', payments, 2));
    expect(kindsOf(book, payments)).toEqual(['expansion_halted']);
  });

  it('is idempotent: a re-published batch changes nothing and keeps the first time', () => {
    const book = new DecisionBook();
    const breach = transition('success-rate', refunds, 1);
    applyAll(book, breach);
    const before = book.get(refunds);
    const version = book.version;
    expect(applyAll(book, breach)).toEqual([]);
    expect(book.get(refunds)).toEqual(before);
    expect(book.version).toBe(version);
  });

  it('ignores a replayed older transition once a later one was applied', () => {
    const book = new DecisionBook();
    const breach = transition('success-rate', refunds, 1);
    applyAll(book, breach);
    applyAll(book, transition('success-rate', refunds, 2));
    // A consumer replaying from an older offset sees the breach again after its recovery.
    expect(applyAll(book, breach)).toEqual([]);
    expect(kindsOf(book, refunds)).toEqual([]);
    // The next breach is newer, and counts.
    applyAll(book, transition('success-rate', refunds, 3));
    expect(kindsOf(book, refunds)).toEqual(['frozen']);
  });

  it('a history started again after its state was lost (a later epoch) is newer than the old one', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 5));
    applyAll(book, transition('success-rate', refunds, 2, EPOCH + 86_400_000));
    expect(kindsOf(book, refunds)).toEqual([]);
  });

  it('drill events never set a decision', () => {
    const book = new DecisionBook();
    const drill = { ...refunds, drill: true };
    expect(applyAll(book, transition('success-rate', drill, 1))).toEqual([]);
    expect(book.current()).toEqual([]);
  });

  it('keeps subjects apart: a server and its tools, and tools whose names hold slashes', () => {
    const book = new DecisionBook();
    const other: SeriesRef = { server: 'payments-mcp/refunds', tool: 'create', drill: false };
    applyAll(book, transition('success-rate', refunds, 1));
    expect(kindsOf(book, other)).toEqual([]);
    expect(kindsOf(book, payments)).toEqual([]);
    expect(decisionKey(other)).not.toBe(decisionKey(refunds));
  });
});

/** An operator event at `EPOCH + minutes`; the nonce keeps two events of one minute apart. */
let nonce = 0;
function operator(
  type: OperatorEventInput['type'],
  series: SeriesRef,
  minutes: number,
  more: Partial<OperatorEventInput> = {},
): BudgetwatchEvent {
  nonce += 1;
  return operatorEvent({
    type,
    subject: { server: series.server, tool: series.tool },
    actor: 'alice',
    reason: `${type} by hand`,
    responder: { fallbackMode: 'queue refunds', killSwitchOwner: null },
    stamp: { atMs: EPOCH + minutes * 60_000, nonce },
    drill: series.drill,
    ...more,
  });
}

describe('DecisionBook, operator controls', () => {
  it('a kill switch engages on the server, with the operator, reason and event as cause', () => {
    const book = new DecisionBook();
    const engaged = operator('killswitch.engaged', payments, 1);
    expect(book.apply(engaged)).toHaveLength(1);
    expect(book.get(payments).decisions).toEqual([
      {
        kind: 'kill_switch',
        since: engaged.time,
        causes: [
          {
            rule: 'operator',
            since: engaged.time,
            eventId: engaged.id,
            actor: 'alice',
            reason: 'killswitch.engaged by hand',
          },
        ],
      },
    ]);
    expect(book.get(payments).fallbackMode).toBe('queue refunds');
    expect(kindsOf(book, refunds)).toEqual([]);
  });

  it('kill switch engage, release, re-engage; each applied twice changes nothing the second time', () => {
    const book = new DecisionBook();
    const engaged = operator('killswitch.engaged', payments, 1);
    const released = operator('killswitch.released', payments, 2);
    const again = operator('killswitch.engaged', payments, 3);
    book.apply(engaged);
    expect(book.apply(engaged)).toEqual([]);
    expect(book.apply(released)).toEqual([{ ...book.get(payments), decisions: [] }]);
    expect(book.apply(released)).toEqual([]);
    const version = book.version;
    expect(book.apply(again)).toHaveLength(1);
    expect(book.version).toBe(version + 1);
    expect(book.get(payments).decisions[0]?.since).toBe(again.time);
  });

  it('an older operator event after a newer one changes nothing', () => {
    const book = new DecisionBook();
    const engaged = operator('killswitch.engaged', payments, 1);
    const released = operator('killswitch.released', payments, 2);
    book.apply(released);
    expect(book.apply(engaged)).toEqual([]);
    expect(kindsOf(book, payments)).toEqual([]);
    // A manual freeze is its own control: the kill switch's order does not hold it back.
    expect(applyAll(book, [operator('freeze.set', payments, 0)])).toHaveLength(1);
  });

  it('a second engage keeps the first since, actor and reason', () => {
    const book = new DecisionBook();
    const first = operator('killswitch.engaged', payments, 1);
    book.apply(first);
    expect(book.apply(operator('killswitch.engaged', payments, 2, { actor: 'bob' }))).toEqual([]);
    expect(book.get(payments).decisions[0]?.causes[0]).toMatchObject({ eventId: first.id, actor: 'alice' });
  });

  it('a manual freeze holds with a rule freeze, as its own cause, and is cleared on its own', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    book.apply(operator('freeze.set', refunds, 2));
    expect(book.get(refunds).decisions[0]?.causes.map((cause) => cause.rule)).toEqual([
      'operator',
      'success-rate',
    ]);
    applyAll(book, transition('success-rate', refunds, 2));
    expect(kindsOf(book, refunds)).toEqual(['frozen']);
    book.apply(operator('freeze.cleared', refunds, 4));
    expect(kindsOf(book, refunds)).toEqual([]);
  });

  it('a lift hides the rule freeze until the rule fires again', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    const lift = operator('freeze.lifted', refunds, 2);
    expect(book.apply(lift)).toEqual([{ ...book.get(refunds), decisions: [] }]);
    expect(book.apply(lift)).toEqual([]);
    expect(book.nextExpiryMs()).toBeNull();
    expect(book.get(refunds).lifted).toMatchObject({
      eventId: lift.id,
      until: null,
      causes: [{ rule: 'success-rate' }],
    });
    // The rule recovers: the lift hides nothing any more (it leaves the record), then fires again.
    const recovered = applyAll(book, transition('success-rate', refunds, 2));
    expect(recovered.map((subject) => [subject.decisions, subject.lifted])).toEqual([[[], undefined]]);
    applyAll(book, transition('success-rate', refunds, 3));
    expect(kindsOf(book, refunds)).toEqual(['frozen']);
    // A replay of the old lift after the new freeze changes nothing.
    expect(book.apply(lift)).toEqual([]);
    expect(kindsOf(book, refunds)).toEqual(['frozen']);
  });

  it('a book restored from a lifted subject keeps the freeze hidden, ends the lift on time, and sees a new fire', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    const lift = operator('freeze.lifted', refunds, 2, { liftMs: 60_000 });
    book.apply(lift);
    const written = book.get(refunds);
    expect(written.decisions).toEqual([]);
    expect(written.lifted?.until).toBe(new Date(Date.parse(lift.time) + 60_000).toISOString());

    const restored = new DecisionBook();
    restored.restore(written);
    expect(restored.get(refunds)).toEqual(written);
    expect(restored.current()).toEqual([written]);
    expect(restored.nextExpiryMs()).toBe(Date.parse(lift.time) + 60_000);
    // Replays of what was folded before the restart change nothing.
    expect(applyAll(restored, [...transition('success-rate', refunds, 1), lift])).toEqual([]);
    expect(restored.expire(Date.parse(lift.time) + 60_000).map((subject) => subject.decisions)).toEqual([
      [expect.objectContaining({ kind: 'frozen' })],
    ]);
    expect(restored.get(refunds).lifted).toBeUndefined();
  });

  it('a lift leaves the other actions of the rule, and a manual freeze, in force', () => {
    const book = new DecisionBook();
    applyAll(book, transition('latency-p95', refunds, 1));
    applyAll(book, transition('success-rate', refunds, 1));
    book.apply(operator('freeze.set', refunds, 2));
    book.apply(operator('freeze.lifted', refunds, 3));
    const frozen = book.get(refunds).decisions.find((decision) => decision.kind === 'frozen');
    expect(frozen?.causes.map((cause) => cause.rule)).toEqual(['operator']);
    expect(kindsOf(book, refunds)).toContain('concurrency_lowered');
  });

  it('a rule that freezes after the lift is not lifted', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    book.apply(operator('freeze.lifted', refunds, 2));
    applyAll(book, transition('error-rate', refunds, 1));
    const frozen = book.get(refunds).decisions.find((decision) => decision.kind === 'frozen');
    expect(frozen?.causes.map((cause) => cause.rule)).toEqual(['error-rate']);
  });

  it('a lift with a duration ends at its until: the freeze still held by its rule shows again', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    const lift = operator('freeze.lifted', refunds, 2, { liftMs: 3_600_000 });
    book.apply(lift);
    const until = EPOCH + 2 * 60_000 + 3_600_000;
    expect(book.nextExpiryMs()).toBe(until);
    expect(kindsOf(book, refunds)).toEqual([]);
    expect(book.expire(until - 1)).toEqual([]);
    const version = book.version;
    expect(book.expire(until)).toEqual([book.get(refunds)]);
    expect(kindsOf(book, refunds)).toEqual(['frozen']);
    expect(book.version).toBe(version + 1);
    expect(book.nextExpiryMs()).toBeNull();
    expect(book.expire(until + 1)).toEqual([]);
  });

  it('a timed lift whose rule recovered first ends without a change and stops asking for a call', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    book.apply(operator('freeze.lifted', refunds, 2, { liftMs: 60_000 }));
    applyAll(book, transition('success-rate', refunds, 2));
    expect(book.nextExpiryMs()).toBeNull();
    expect(book.expire(EPOCH + 86_400_000)).toEqual([]);
  });

  it('a newer freeze of the lifted rule shows even when its recovery was lost', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    book.apply(operator('freeze.lifted', refunds, 2));
    applyAll(book, transition('success-rate', refunds, 3));
    expect(kindsOf(book, refunds)).toEqual(['frozen']);
  });

  it('lifting a tool leaves its server frozen, and lifting the server leaves its tools frozen', () => {
    const book = new DecisionBook();
    applyAll(book, transition('success-rate', refunds, 1));
    applyAll(book, transition('success-rate', payments, 1));
    book.apply(operator('freeze.lifted', refunds, 2));
    expect(kindsOf(book, refunds)).toEqual([]);
    expect(kindsOf(book, payments)).toEqual(['frozen']);

    const other = new DecisionBook();
    applyAll(other, transition('success-rate', refunds, 1));
    applyAll(other, transition('success-rate', payments, 1));
    other.apply(operator('freeze.lifted', payments, 2));
    expect(kindsOf(other, payments)).toEqual([]);
    expect(kindsOf(other, refunds)).toEqual(['frozen']);
  });

  it('a lift with nothing to lift changes nothing, and does not lift a later freeze', () => {
    const book = new DecisionBook();
    expect(book.apply(operator('freeze.lifted', refunds, 1)).flatMap((subject) => subject.decisions)).toEqual(
      [],
    );
    expect(book.nextExpiryMs()).toBeNull();
    applyAll(book, transition('success-rate', refunds, 1));
    expect(kindsOf(book, refunds)).toEqual(['frozen']);
  });

  it('drill operator events set nothing', () => {
    const book = new DecisionBook();
    const drill = { ...payments, drill: true };
    expect(book.apply(operator('killswitch.engaged', drill, 1))).toEqual([]);
    expect(book.apply(operator('freeze.set', { ...refunds, drill: true }, 1))).toEqual([]);
    expect(book.current()).toEqual([]);
  });
});

describe('decision keys', () => {
  it.each([
    { server: 'payments-mcp', tool: null },
    { server: 'payments-mcp', tool: 'refunds/create' },
    { server: 'a/b%2F', tool: 'c d/é' },
  ])('round-trip %o', (subject) => {
    expect(decisionSubjectOf(decisionKey(subject))).toEqual(subject);
  });

  it.each(['', 'a/b/c', '%E0%A4%A', 'a/'])('refuse %j', (key) => {
    expect(decisionSubjectOf(key)).toBeUndefined();
  });
});

describe('positionOf', () => {
  it('reads the transition from the right of an id whose series holds slashes', () => {
    expect(positionOf('success-rate/payments-mcp/refunds/create/1764547200000/3/traffic.frozen')).toEqual({
      epoch: 1764547200000,
      transitions: 3,
    });
  });

  it('is undefined for an id of another shape', () => {
    expect(positionOf('an-id-from-elsewhere')).toBeUndefined();
    expect(positionOf('a/b/c/x/y/z')).toBeUndefined();
  });
});
