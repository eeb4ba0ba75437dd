import {
  crsGateTransitionEvent,
  paymentsOnlyInventory,
  budgetTransitionEvents as transition,
  unregisteredServerAnnouncement,
} from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { type PlannerOptions, planDispatch } from './incident-planner.js';
import type { Silence } from './silence.js';

const T0 = Date.UTC(2026, 10, 25, 12);
const OPTIONS: PlannerOptions = {
  repeatIntervalMs: 3_600_000,
  routing: { default: { slackChannel: '#budgetwatch', emails: ['sre@example.com'] }, tiers: {} },
  // The inventory knows payments-mcp; anything else is unregistered.
  responderOf: paymentsOnlyInventory,
};
const OWNER_ROUTE = { slackChannel: '#payments-oncall', emails: ['payments@example.com'], ownerless: false };
const DEFAULT_ROUTE = { slackChannel: '#budgetwatch', emails: ['sre@example.com'], ownerless: true };
const BOTH_CHANNELS = [
  { channel: 'slack', action: 'post', done: false },
  { channel: 'email', done: false },
];

const silence = (matchers: Silence['matchers']): Silence => ({
  id: 'sil-1',
  matchers,
  startsAt: new Date(T0 - 1000).toISOString(),
  endsAt: new Date(T0 + 3_600_000).toISOString(),
  createdBy: 'alice',
  comment: 'rollout freeze',
  createdAt: new Date(T0 - 1000).toISOString(),
});

const halted = crsGateTransitionEvent({ transition: 'breached', number: 1 });
const resumed = crsGateTransitionEvent({ transition: 'recovered', number: 2 });
const unregistered = unregisteredServerAnnouncement({ server: 'shadow-mcp', tools: ['exec', 'read'] });

describe('planDispatch: rollout notices', () => {
  it('an unregistered server goes to the default route, with the tools seen', () => {
    const plan = planDispatch({ incident: null, events: [unregistered], silences: [], nowMs: T0 }, OPTIONS);
    expect(plan.incident).toBeNull();
    expect(plan.planned).toBeNull();
    expect(plan.applied).toEqual([unregistered.id]);
    expect(plan.notices).toEqual([
      {
        id: expect.stringMatching(/^ntc-[0-9a-f]{16}$/),
        server: 'shadow-mcp',
        tier: null,
        route: DEFAULT_ROUTE,
        notices: [
          {
            kind: 'unregistered',
            eventId: unregistered.id,
            tools: ['exec', 'read'],
            detectedAt: unregistered.time,
          },
        ],
        eventIds: [unregistered.id],
        deliveries: BOTH_CHANNELS,
        plannedAt: new Date(T0).toISOString(),
      },
    ]);
  });

  it("the CRS gate's halt goes to the owner's route from the inventory, its events grouped into one notice", () => {
    const plan = planDispatch(
      { incident: null, events: [halted, resumed], silences: [], nowMs: T0 },
      OPTIONS,
    );
    expect(plan.notices).toHaveLength(1);
    const [notice] = plan.notices;
    expect(notice?.route).toEqual(OWNER_ROUTE);
    expect(notice?.tier).toBe(2);
    expect(notice?.notices.map((one) => one.kind)).toEqual(['expansion_halted', 'expansion_resumed']);
    expect(notice?.notices[0]).toMatchObject({ crs: { score: 62.25, threshold: 60 } });
  });

  it("the fallback-activation rule's own expansion.halted stays an action of its alert", () => {
    const events = transition({ rule: 'fallback-activation', transition: 'breached', number: 1 });
    expect(events.map((event) => event.type)).toContain('budgetwatch.expansion.halted');
    const plan = planDispatch({ incident: null, events, silences: [], nowMs: T0 }, OPTIONS);
    expect(plan.notices).toEqual([]);
    expect(plan.planned?.alerts[0]?.actions).toEqual(['incident.opened', 'expansion.halted']);
  });

  it.each([
    ['server', { server: 'payments-mcp' }],
    ['rule', { rule: 'crs-gate' }],
    ['tier', { tier: 2 as const }],
  ])('a silence on the %s mutes a halt, but never its resumption', (_label, matchers) => {
    const plan = planDispatch(
      { incident: null, events: [halted, resumed], silences: [silence(matchers)], nowMs: T0 },
      OPTIONS,
    );
    expect(plan.muted).toEqual([{ id: halted.id, silenceId: 'sil-1' }]);
    expect(plan.notices.flatMap((notice) => notice.notices.map((one) => one.kind))).toEqual([
      'expansion_resumed',
    ]);
    expect(plan.applied).toEqual([halted.id, resumed.id]);
  });

  it('a silence on the server or on inventory-unregistered mutes an unregistered server', () => {
    for (const matchers of [{ server: 'shadow-mcp' }, { rule: 'inventory-unregistered' }]) {
      const plan = planDispatch(
        { incident: null, events: [unregistered], silences: [silence(matchers)], nowMs: T0 },
        OPTIONS,
      );
      expect(plan.notices).toEqual([]);
      expect(plan.muted).toEqual([{ id: unregistered.id, silenceId: 'sil-1' }]);
    }
    // A silence of another rule or server leaves it alone.
    const other = planDispatch(
      { incident: null, events: [unregistered], silences: [silence({ rule: 'crs-gate' })], nowMs: T0 },
      OPTIONS,
    );
    expect(other.notices).toHaveLength(1);
  });

  it('a notice never waits for a resolved incident still delivering, and a copy being delivered is not told again', () => {
    const opened = planDispatch(
      { incident: null, events: transition({ transition: 'breached', number: 1 }), silences: [], nowMs: T0 },
      OPTIONS,
    );
    const resolved = planDispatch(
      {
        incident: opened.incident,
        events: transition({ transition: 'recovered', number: 2 }),
        silences: [],
        nowMs: T0,
      },
      OPTIONS,
    );
    expect(resolved.incident?.outbox).toHaveLength(2);
    const next = planDispatch(
      {
        incident: resolved.incident,
        events: [...transition({ transition: 'breached', number: 3 }), halted],
        silences: [],
        nowMs: T0 + 1,
      },
      OPTIONS,
    );
    // The breach waits for the resolved incident's thread to be delivered; the notice does not.
    expect(next.applied).toEqual([halted.id]);
    expect(next.notices).toHaveLength(1);
    const again = planDispatch(
      { incident: null, notices: next.notices, events: [halted], silences: [], nowMs: T0 + 2 },
      OPTIONS,
    );
    expect(again.notices).toEqual([]);
    expect(again.applied).toEqual([halted.id]);
  });

  it('plans nothing for a channel the notifier cannot send on', () => {
    const plan = planDispatch(
      { incident: null, events: [unregistered], silences: [], nowMs: T0 },
      { ...OPTIONS, channels: { slack: false, email: true } },
    );
    expect(plan.notices[0]?.deliveries).toEqual([{ channel: 'email', done: false }]);
  });
});
