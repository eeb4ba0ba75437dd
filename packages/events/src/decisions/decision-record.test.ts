import { describe, expect, it } from 'vitest';
import { budgetTransitionEventsForTest } from './decision-events.fixtures.js';
import { decisionRecord, parseDecisionRecord, recordsToWrite } from './decision-record.js';
import { DecisionBook, type SubjectDecisions } from './decision-state.js';

const refund = { server: 'payments-mcp', tool: 'refunds/create' };

function folded(...numbers: number[]): { book: DecisionBook; changes: SubjectDecisions[] } {
  const book = new DecisionBook();
  const changes = numbers.flatMap((n) =>
    budgetTransitionEventsForTest(n).flatMap((event) => book.apply(event)),
  );
  return { book, changes };
}

describe('decision records', () => {
  it('a subject in force is its JSON under its key; a cleared one a tombstone', () => {
    const { book } = folded(1);
    const frozen = book.get(refund);
    expect(decisionRecord(frozen)).toEqual({
      key: 'payments-mcp/refunds%2Fcreate',
      value: JSON.stringify(frozen),
    });
    expect(decisionRecord({ ...frozen, decisions: [] })).toEqual({ key: frozen.key, value: null });
  });

  it('a subject whose only freeze is lifted keeps its record, lift included; a damaged lift is refused', () => {
    const { book } = folded(1);
    const frozen = book.get(refund);
    const lifted: SubjectDecisions = {
      ...frozen,
      decisions: [],
      lifted: {
        eventId: 'operator/lift-1',
        since: '2026-11-28T10:00:00.000Z',
        actor: 'alice',
        reason: 'provider confirmed the fix',
        until: '2026-11-28T11:00:00.000Z',
        causes: frozen.decisions.flatMap((decision) => (decision.kind === 'frozen' ? decision.causes : [])),
      },
    };
    const record = decisionRecord(lifted);
    expect(record.value).not.toBeNull();
    expect(parseDecisionRecord(record.key, record.value)).toEqual({ subject: lifted });
    const damaged = JSON.stringify({ ...lifted, lifted: { ...lifted.lifted, until: 'soon' } });
    expect(parseDecisionRecord(record.key, damaged)).toEqual({
      problem: 'lifted.until must be a time or null',
    });
  });

  it('parse what they encode, and a tombstone as the subject with no decisions', () => {
    const { book } = folded(1);
    const frozen = book.get(refund);
    const record = decisionRecord(frozen);
    expect(parseDecisionRecord(Buffer.from(record.key), Buffer.from(record.value ?? ''))).toEqual({
      subject: frozen,
    });
    expect(parseDecisionRecord(record.key, null)).toEqual({
      subject: {
        key: record.key,
        server: 'payments-mcp',
        tool: 'refunds/create',
        fallbackMode: null,
        decisions: [],
      },
    });
  });

  it.each([
    ['a key that is no decision key', 'a/b/c', '{}'],
    ['a value that is not JSON', 'a', '{'],
    [
      'a value of another subject',
      'a',
      JSON.stringify({ key: 'b', server: 'b', tool: null, fallbackMode: null, decisions: [] }),
    ],
    [
      'an unknown kind',
      'a',
      JSON.stringify({
        key: 'a',
        server: 'a',
        tool: null,
        fallbackMode: null,
        decisions: [{ kind: 'reboot', since: 'x', causes: [{ rule: 'r', since: 'x', eventId: 'e' }] }],
      }),
    ],
    [
      'a decision without causes',
      'a',
      JSON.stringify({
        key: 'a',
        server: 'a',
        tool: null,
        fallbackMode: null,
        decisions: [{ kind: 'frozen', since: 'x', causes: [] }],
      }),
    ],
    ['an array', 'a', '[]'],
  ])('refuse %s', (_, key, value) => {
    expect(parseDecisionRecord(key, value)).toHaveProperty('problem');
  });

  it('a batch writes the last state of each key, and nothing the topic already holds', () => {
    // Breach then recovery within one batch: the subject never shows frozen.
    const { changes } = folded(1, 2);
    expect(changes.length).toBeGreaterThan(1);
    // Nothing about it on the topic: nothing to write (not even a tombstone).
    expect(recordsToWrite(changes, new Map([['other', '{}']]))).toEqual([]);
    // The topic shows it frozen: the tombstone only.
    expect(recordsToWrite(changes, new Map([['payments-mcp/refunds%2Fcreate', '{}']]))).toEqual([
      { key: 'payments-mcp/refunds%2Fcreate', value: null },
    ]);
    const { changes: breach } = folded(1);
    const written = new Map(recordsToWrite(breach, new Map()).map((r) => [r.key, r.value as string]));
    expect(recordsToWrite(breach, written)).toEqual([]);
  });
});

describe('a book restored from its records', () => {
  it('holds the same decisions, and ignores replayed transitions its causes are newer than', () => {
    const { book } = folded(1, 2, 3);
    const restored = new DecisionBook();
    for (const subject of book.current()) restored.restore(subject);
    expect(restored.current()).toEqual(book.current());
    // Transition 1 (a breach) and 3 replayed: nothing changes.
    for (const n of [1, 3]) {
      for (const event of budgetTransitionEventsForTest(n)) expect(restored.apply(event)).toEqual([]);
    }
    // The recovery after it lifts the freeze.
    const lifted = budgetTransitionEventsForTest(4).flatMap((event) => restored.apply(event));
    expect(lifted.at(-1)?.decisions).toEqual([]);
  });
});
