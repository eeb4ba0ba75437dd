import { afterEach, describe, expect, it, vi } from 'vitest';
import { OperatorStamps, operatorEvent } from '../operator-events.js';
import { budgetTransitionEventsForTest } from './decision-events.fixtures.js';
import { DecisionBook } from './decision-state.js';
import { LiftExpiryTimer } from './lift-expiry-timer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('LiftExpiryTimer', () => {
  it('expires a timed lift at its end and then looks for the next; a later lift moves nothing earlier', () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-28T10:00:00.000Z') });
    const book = new DecisionBook();
    for (const event of budgetTransitionEventsForTest(1)) book.apply(event);
    const [frozen] = book.current();
    if (frozen === undefined) throw new Error('the fixture freezes a tool');
    const subject = { server: frozen.server, tool: frozen.tool };
    const expired: string[][] = [];
    const timer = new LiftExpiryTimer(
      () => book.nextExpiryMs(),
      (nowMs) => expired.push(book.expire(nowMs).flatMap((one) => one.decisions.map((d) => d.kind))),
    );
    const stamps = new OperatorStamps();
    book.apply(
      operatorEvent({
        type: 'freeze.lifted',
        subject,
        actor: 'alice',
        reason: 'fixed upstream',
        responder: { fallbackMode: null, killSwitchOwner: null },
        stamp: stamps.next(),
        liftMs: 60_000,
      }),
    );
    timer.schedule();
    vi.advanceTimersByTime(59_999);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual([expect.arrayContaining(['frozen'])]);
    expect(book.nextExpiryMs()).toBeNull();
    vi.advanceTimersByTime(3_600_000);
    expect(expired).toHaveLength(1);
    timer.cancel();
  });
});
