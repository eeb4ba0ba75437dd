/**
 * The kill-switch rehearsal against a real guard (the MCP SDK's client and server linked in
 * memory, wrapped by @budgetwatch/mcp-guard) following a DecisionStore the test's control folds
 * the engage and the release into, as the API's decision feed would.
 */
import { DecisionStore, type SubjectDecisions } from '@budgetwatch/mcp-guard';
import { afterEach, describe, expect, it } from 'vitest';
import { type StartedProbe, startGuardedProbe } from './guarded-probe.js';
import {
  type ControlOutcome,
  DRILL_KILL_SWITCH_CHECKS,
  drillKillSwitch,
  type KillSwitchControl,
  type KillSwitchDrillOptions,
} from './kill-switch-drill.js';

const SERVER = 'orders-mcp';
const SINCE = '2026-11-28T12:00:00.000Z';
const REASON = 'credential-compromise drill r1: rehearsing the kill switch';

function killSwitch(eventId: string, actor: string): SubjectDecisions {
  return {
    key: SERVER,
    server: SERVER,
    tool: null,
    fallbackMode: 'queue orders',
    decisions: [
      {
        kind: 'kill_switch',
        since: SINCE,
        causes: [{ rule: 'operator', since: SINCE, eventId, actor, reason: REASON }],
      },
    ],
  };
}
const nothing: SubjectDecisions = { ...killSwitch('', ''), decisions: [] };

interface Sent {
  engaged: boolean;
  actor: string;
  reason: string;
}

/**
 * A control that answers as told and, when it publishes, folds the change into the store (as the
 * API, the events topic and the decision folder would), unless `folds` is false.
 */
function controlOn(
  store: DecisionStore,
  answers: { engage?: ControlOutcome; release?: ControlOutcome; folds?: boolean; onEngage?: () => void } = {},
): KillSwitchControl & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    async set(engaged, request) {
      sent.push({ engaged, actor: request.actor, reason: request.reason });
      if (engaged) answers.onEngage?.();
      const outcome = (engaged ? answers.engage : answers.release) ?? {
        published: true,
        eventId: `operator/${SERVER}/${sent.length}/killswitch.${engaged ? 'engaged' : 'released'}`,
      };
      if (outcome.published && answers.folds !== false) {
        // Asynchronously, like a feed: the change arrives after the API answered.
        setImmediate(() => store.put(engaged ? killSwitch(outcome.eventId, request.actor) : nothing));
      }
      return outcome;
    },
  };
}

const probes: StartedProbe[] = [];
afterEach(async () => {
  for (const probe of probes.splice(0)) await probe.close();
});

async function setUp(synced = true) {
  const store = new DecisionStore(Date.now);
  if (synced) store.replaceAll([]);
  const probe = await startGuardedProbe(SERVER, store);
  probes.push(probe);
  return { store, probe };
}

const drill = (options: KillSwitchDrillOptions) => drillKillSwitch(SERVER, 'r1', REASON, options);
const summary = (checks: { name: string; passed: boolean }[]) =>
  checks.map((check) => `${check.passed ? 'PASS' : 'FAIL'} ${check.name}`);

describe('drillKillSwitch', () => {
  it('engages as the drill, sees a guarded call blocked by it, releases it and sees calls flow again', async () => {
    const { store, probe } = await setUp();
    const control = controlOn(store);
    const outcome = await drill({ control, feed: store, probe });

    expect(summary(outcome.checks)).toEqual(DRILL_KILL_SWITCH_CHECKS.map((name) => `PASS ${name}`));
    expect(outcome.verified).toBe(true);
    expect(control.sent).toEqual([
      { engaged: true, actor: 'drill r1', reason: REASON },
      { engaged: false, actor: 'drill r1', reason: REASON },
    ]);
    expect(outcome.engagedEventId).toBe(`operator/${SERVER}/1/killswitch.engaged`);
    expect(outcome.releasedEventId).toBe(`operator/${SERVER}/2/killswitch.released`);
    expect(outcome.enforceMs).toBeGreaterThan(0);
    expect(outcome.enforceMs).toBeLessThan(5_000);
    expect(outcome.releaseMs).toBeGreaterThan(0);
    expect(outcome.checks[1]?.detail).toMatch(/a guarded call was blocked \(kill_switch\) \d+ ms after it/);
    expect(outcome.checks[2]?.detail).toContain('a guarded call reached the tool again');
    // Once before nothing was engaged is not asked; once after the release it reached the tool.
    expect(probe.reached).toBe(1);
    expect(store.subject(SERVER, null)).toBeUndefined();
  });

  it('an engage refused with a 4xx fails with the refusal, sends no release and leaves nothing engaged', async () => {
    const { store, probe } = await setUp();
    const refusal = 'the API refused (401): a valid bearer token is required (check BUDGETWATCH_API_TOKEN)';
    const control = controlOn(store, { engage: { published: false, refusal, surelyNotPublished: true } });
    const outcome = await drill({ control, feed: store, probe });

    expect(summary(outcome.checks)).toEqual(['FAIL kill switch engaged']);
    expect(outcome.checks[0]?.detail).toBe(`${refusal}; nothing engaged`);
    expect(outcome.verified).toBe(false);
    expect(control.sent.map((sent) => sent.engaged)).toEqual([true]);
    expect(store.subject(SERVER, null)).toBeUndefined();
  });

  it('an engage whose outcome is unknown (no answer) is released all the same', async () => {
    const { store, probe } = await setUp();
    const control = controlOn(store, {
      engage: { published: false, refusal: 'the API at x is unreachable', surelyNotPublished: false },
    });
    const outcome = await drill({ control, feed: store, probe });
    expect(summary(outcome.checks)).toEqual(['FAIL kill switch engaged', 'PASS kill switch released']);
    expect(outcome.checks[0]?.detail).toContain('releasing it in case it was engaged');
    expect(control.sent.map((sent) => sent.engaged)).toEqual([true, false]);
    expect(outcome.verified).toBe(false);
  });

  it('a kill switch no guard sees within the bound fails enforcement, and is released', async () => {
    const { store, probe } = await setUp();
    const control = controlOn(store, { folds: false });
    const outcome = await drill({ control, feed: store, probe, boundMs: 100 });
    expect(summary(outcome.checks)).toEqual([
      'PASS kill switch engaged',
      'FAIL kill switch enforced',
      'PASS kill switch released',
    ]);
    expect(outcome.checks[1]?.detail).toBe(
      'no guard saw the kill switch within 100 ms of the engage: is the decision folder running (start or api with Kafka)?',
    );
    expect(outcome.enforceMs).toBeNull();
    expect(control.sent.map((sent) => sent.engaged)).toEqual([true, false]);
    expect(outcome.verified).toBe(false);
  });

  it('interrupted (SIGINT) while engaged: stops waiting at once and releases', async () => {
    const { store, probe } = await setUp();
    const interrupted = new AbortController();
    // The feed never shows the engage, so only the interruption ends the wait (bound: an hour).
    const control = controlOn(store, { folds: false, onEngage: () => interrupted.abort() });
    const started = performance.now();
    const outcome = await drill({
      control,
      feed: store,
      probe,
      boundMs: 3_600_000,
      signal: interrupted.signal,
    });
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(outcome.checks[1]).toMatchObject({
      name: 'kill switch enforced',
      passed: false,
      detail: 'interrupted before a guard saw the kill switch',
    });
    expect(control.sent.map((sent) => sent.engaged)).toEqual([true, false]);
  });

  it('interrupted before the engage: engages nothing', async () => {
    const { store, probe } = await setUp();
    const control = controlOn(store);
    const outcome = await drill({ control, feed: store, probe, signal: AbortSignal.abort() });
    expect(outcome.checks).toEqual([
      {
        name: 'kill switch engaged',
        passed: false,
        detail: 'interrupted: not engaged',
        detectMs: null,
        notifyMs: null,
      },
    ]);
    expect(control.sent).toEqual([]);
  });

  it('a release refused says loudly that the kill switch may still be engaged, and how to release it', async () => {
    const { store, probe } = await setUp();
    const control = controlOn(store, {
      release: { published: false, refusal: 'the API refused (503): try again', surelyNotPublished: false },
    });
    const outcome = await drill({ control, feed: store, probe });
    expect(summary(outcome.checks)).toEqual([
      'PASS kill switch engaged',
      'PASS kill switch enforced',
      'FAIL kill switch released',
    ]);
    expect(outcome.checks[2]?.detail).toBe(
      'the API refused (503): try again: the kill switch of orders-mcp may STILL BE ENGAGED; release it with budgetwatch kill-switch release orders-mcp --reason "..."',
    );
    expect(outcome.verified).toBe(false);
  });

  it('leaves a kill switch an operator engaged alone: no engage, no release', async () => {
    const { store, probe } = await setUp();
    store.put(killSwitch('operator/orders-mcp/0/killswitch.engaged', 'alice'));
    const control = controlOn(store);
    const outcome = await drill({ control, feed: store, probe });
    expect(summary(outcome.checks)).toEqual(['FAIL kill switch engaged']);
    expect(outcome.checks[0]?.detail).toBe(
      `not engaged: the kill switch of orders-mcp is already engaged by alice since ${SINCE}; the drill leaves it as it is`,
    );
    expect(control.sent).toEqual([]);
    expect(store.subject(SERVER, null)?.decisions[0]?.kind).toBe('kill_switch');
  });

  it('engages nothing while the feed has no state: nothing could verify it', async () => {
    const { store, probe } = await setUp(false);
    const control = controlOn(store);
    const outcome = await drill({ control, feed: store, probe, boundMs: 50 });
    expect(summary(outcome.checks)).toEqual(['FAIL kill switch engaged']);
    expect(outcome.checks[0]?.detail).toContain(
      'not engaged: the decision feed gave no state within 50 ms (the decision feed sent no full state within 50 ms)',
    );
    expect(control.sent).toEqual([]);
  });

  it('a control that throws counts as an unknown outcome: released', async () => {
    const { store, probe } = await setUp();
    const sent: boolean[] = [];
    const control: KillSwitchControl = {
      async set(engaged) {
        sent.push(engaged);
        throw new Error('socket hang up');
      },
    };
    const outcome = await drill({ control, feed: store, probe, boundMs: 50 });
    expect(outcome.checks[0]?.detail).toBe('socket hang up; releasing it in case it was engaged');
    expect(outcome.checks.at(-1)?.detail).toContain(
      'socket hang up: the kill switch of orders-mcp may STILL BE ENGAGED',
    );
    expect(sent).toEqual([true, false]);
  });
});
