import { UNREGISTERED } from '@budgetwatch/events';
import { OWNED_RESPONDER as OWNED, budgetTransitionEvents as transition } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import type { Incident } from './incident.js';
import { type DispatchPlan, type PlannerOptions, planDispatch } from './incident-planner.js';
import type { Silence } from './silence.js';

const T0 = Date.UTC(2026, 10, 25, 12);
const OPTIONS: PlannerOptions = {
  repeatIntervalMs: 3_600_000,
  routing: { default: { slackChannel: '#budgetwatch', emails: ['sre@example.com'] }, tiers: {} },
};

/** Runs the planner and marks every planned delivery done, as the notifier would. */
function step(
  incident: Incident | null,
  events: ReturnType<typeof transition>,
  nowMs: number,
  silences: Silence[] = [],
): DispatchPlan {
  const plan = planDispatch({ incident, events, silences, nowMs }, OPTIONS);
  if (plan.incident !== null) plan.incident.outbox = [];
  return plan;
}

const silence = (matchers: Silence['matchers'], endsAt = T0 + 7_200_000): Silence => ({
  id: 'sil-1',
  matchers,
  startsAt: new Date(T0 - 1000).toISOString(),
  endsAt: new Date(endsAt).toISOString(),
  createdBy: 'alice',
  comment: 'maintenance',
  createdAt: new Date(T0 - 1000).toISOString(),
});

describe('planDispatch', () => {
  it('opens one incident for a breach and its action, posted to the owner', () => {
    const plan = step(null, transition({ transition: 'breached', number: 1 }), T0);
    expect(plan.planned?.kind).toBe('opened');
    expect(plan.planned?.eventIds).toHaveLength(2);
    expect(plan.planned?.deliveries).toEqual([
      { channel: 'slack', action: 'post', done: false },
      { channel: 'email', done: false },
    ]);
    expect(plan.incident?.route).toEqual({
      slackChannel: '#payments-oncall',
      emails: ['payments@example.com'],
      ownerless: false,
    });
    expect(plan.planned?.alerts[0]?.actions).toEqual(['traffic.frozen']);
  });

  it('groups a tool and its server rollup breaching together into one message', () => {
    const events = [
      ...transition({ transition: 'breached', number: 1 }),
      ...transition({ transition: 'breached', number: 1, tool: null }),
    ];
    const plan = step(null, events, T0);
    expect(plan.planned?.kind).toBe('opened');
    expect(plan.planned?.breached).toHaveLength(2);
    expect(plan.planned?.eventIds).toHaveLength(4);
  });

  it('replies in the thread for a later breach, then edits and replies when the last one resolves', () => {
    const opened = step(null, transition({ transition: 'breached', number: 1 }), T0);
    const more = step(
      opened.incident,
      transition({ transition: 'breached', number: 1, tool: null }),
      T0 + 1000,
    );
    expect(more.planned?.kind).toBe('updated');
    expect(more.planned?.deliveries.map((d) => (d.channel === 'slack' ? d.action : 'email'))).toEqual([
      'reply',
      'email',
    ]);
    const partly = step(more.incident, transition({ transition: 'recovered', number: 2 }), T0 + 2000);
    expect(partly.planned?.kind).toBe('updated');
    expect(partly.incident?.resolvedAt).toBeNull();
    const resolved = step(
      partly.incident,
      transition({ transition: 'recovered', number: 2, tool: null }),
      T0 + 3000,
    );
    expect(resolved.planned?.kind).toBe('resolved');
    expect(resolved.planned?.deliveries.map((d) => (d.channel === 'slack' ? d.action : 'email'))).toEqual([
      'edit',
      'reply',
      'email',
    ]);
    expect(resolved.incident?.resolvedAt).not.toBeNull();
    // The next breach starts a new incident (new thread).
    const again = step(resolved.incident, transition({ transition: 'breached', number: 3 }), T0 + 4000);
    expect(again.planned?.kind).toBe('opened');
    expect(again.incident?.id).not.toBe(resolved.incident?.id);
  });

  it('ignores an event it already applied (redelivery)', () => {
    const events = transition({ transition: 'breached', number: 1 });
    const opened = step(null, events, T0);
    const again = step(opened.incident, events, T0 + 1000);
    expect(again.planned).toBeNull();
    expect(again.incident?.sequence).toBe(1);
  });

  it('waits with a new incident until the resolved one has delivered its last notification', () => {
    const opened = step(null, transition({ transition: 'breached', number: 1 }), T0);
    const resolved = planDispatch(
      {
        incident: opened.incident,
        events: transition({ transition: 'recovered', number: 2 }),
        silences: [],
        nowMs: T0 + 1,
      },
      OPTIONS,
    );
    expect(resolved.incident?.outbox).toHaveLength(1);
    const waiting = planDispatch(
      {
        incident: resolved.incident,
        events: transition({ transition: 'breached', number: 3 }),
        silences: [],
        nowMs: T0 + 2,
      },
      OPTIONS,
    );
    expect(waiting.applied).toEqual([]);
    expect(waiting.planned).toBeNull();
  });

  it('repeats a still-firing incident after the interval, not before', () => {
    const opened = step(null, transition({ transition: 'breached', number: 1 }), T0);
    expect(step(opened.incident, [], T0 + 3_599_999).planned).toBeNull();
    const repeat = step(opened.incident, [], T0 + 3_600_000);
    expect(repeat.planned?.kind).toBe('repeat');
    expect(repeat.planned?.deliveries.map((d) => (d.channel === 'slack' ? d.action : 'email'))).toEqual([
      'reply',
      'email',
    ]);
    expect(step(repeat.incident, [], T0 + 3_600_001).planned).toBeNull();
  });

  it('does not repeat an acknowledged incident, and still reports its resolution', () => {
    const opened = step(null, transition({ transition: 'breached', number: 1 }), T0);
    const later = T0 + 10 * 3_600_000;
    const acknowledged = planDispatch(
      { incident: opened.incident, events: [], silences: [], nowMs: later, acknowledged: true },
      OPTIONS,
    );
    expect(acknowledged.planned).toBeNull();
    expect(acknowledged.muted).toEqual([]);
    const resolved = planDispatch(
      {
        incident: opened.incident,
        events: transition({ transition: 'recovered', number: 2 }),
        silences: [],
        nowMs: later,
        acknowledged: true,
      },
      OPTIONS,
    );
    expect(resolved.planned?.kind).toBe('resolved');
  });

  it('never repeats a drill incident', () => {
    const opened = step(null, transition({ transition: 'breached', number: 1, drill: true }), T0);
    expect(opened.planned?.kind).toBe('opened');
    expect(opened.incident?.drill).toBe(true);
    expect(step(opened.incident, [], T0 + 10 * 3_600_000).planned).toBeNull();
  });

  it('a silence mutes a breach and its repeats (recorded), but never its resolution', () => {
    const silences = [silence({ server: 'payments-mcp', rule: 'success-rate' })];
    const muted = step(null, transition({ transition: 'breached', number: 1 }), T0, silences);
    expect(muted.planned).toBeNull();
    expect(muted.muted.map((entry) => entry.silenceId)).toEqual(['sil-1', 'sil-1']);
    const repeat = step(muted.incident, [], T0 + 3_600_000, silences);
    expect(repeat.planned).toBeNull();
    expect(repeat.muted).toHaveLength(1);
    const resolved = step(
      repeat.incident,
      transition({ transition: 'recovered', number: 2 }),
      T0 + 3_700_000,
      silences,
    );
    expect(resolved.planned?.kind).toBe('resolved');
    // Nothing was posted before, so the resolution is a message of its own.
    expect(resolved.planned?.deliveries[0]).toEqual({ channel: 'slack', action: 'post', done: false });
  });

  it('a silence created while an alert fires mutes its repeats; after expiry they flow again', () => {
    const opened = step(null, transition({ transition: 'breached', number: 1 }), T0);
    const silences = [silence({ tool: 'refund' }, T0 + 5_000_000)];
    const mutedRepeat = step(opened.incident, [], T0 + 3_600_000, silences);
    expect(mutedRepeat.planned).toBeNull();
    expect(mutedRepeat.muted).toHaveLength(1);
    const audible = step(mutedRepeat.incident, [], T0 + 7_200_000, silences);
    expect(audible.planned?.kind).toBe('repeat');
  });

  it('matches silences on every label given, tier included', () => {
    const events = transition({ transition: 'breached', number: 1 });
    expect(step(null, events, T0, [silence({ tier: 1 })]).planned).not.toBeNull();
    expect(step(null, events, T0, [silence({ tier: 2 })]).planned).toBeNull();
    expect(step(null, events, T0, [silence({ tool: 'refund', rule: 'latency-p95' })]).planned).not.toBeNull();
    expect(step(null, events, T0, [silence({ server: 'other' })]).planned).not.toBeNull();
    // Expired or not yet started silences do nothing.
    expect(step(null, events, T0, [silence({ tool: 'refund' }, T0)]).planned).not.toBeNull();
  });

  it('routes a server without an owner to the default route, marked ownerless', () => {
    const plan = step(null, transition({ transition: 'breached', number: 1, responder: UNREGISTERED }), T0);
    expect(plan.incident?.route).toEqual({
      slackChannel: '#budgetwatch',
      emails: ['sre@example.com'],
      ownerless: true,
    });
  });

  it('uses the tier route for what the owner does not name', () => {
    const plan = planDispatch(
      {
        incident: null,
        events: transition({
          transition: 'breached',
          number: 1,
          responder: { ...OWNED, owner: { team: 'payments', email: null, slackChannel: null } },
        }),
        silences: [],
        nowMs: T0,
      },
      {
        ...OPTIONS,
        routing: { ...OPTIONS.routing, tiers: { 2: { slackChannel: '#tier2', emails: ['t2@example.com'] } } },
      },
    );
    expect(plan.incident?.route).toEqual({
      slackChannel: '#tier2',
      emails: ['t2@example.com'],
      ownerless: false,
    });
  });
});
