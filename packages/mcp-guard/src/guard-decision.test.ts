import { describe, expect, it } from 'vitest';
import { type DecisionInput, type DecisionPolicy, decideCall, isStale } from './guard-decision.js';
import type { ActiveDecision, DecisionCause, SubjectDecisions } from './subject-decisions.js';

const NOW = 1_000_000;
const policy: DecisionPolicy = {
  staleAfterMs: 15_000,
  whenStale: 'closed',
  probeIntervalMs: 5_000,
  loweredConcurrency: 2,
};
const fresh = { synced: true, lastActivityMs: NOW - 1_000 };

const ruleCause: DecisionCause = { rule: 'error-rate', since: '2026-01-01T00:00:00.000Z', eventId: 'e1' };
const operatorCause: DecisionCause = {
  rule: 'operator',
  since: '2026-01-01T00:01:00.000Z',
  eventId: 'e2',
  actor: 'ana',
  reason: 'leaked key',
};

function decision(kind: string, causes: DecisionCause[] = [ruleCause]): ActiveDecision {
  return { kind, since: causes[0]?.since ?? '2026-01-01T00:00:00.000Z', causes };
}
function subject(tool: string | null, decisions: ActiveDecision[]): SubjectDecisions {
  return {
    key: tool === null ? 'payments' : `payments/${tool}`,
    server: 'payments',
    tool,
    fallbackMode: null,
    decisions,
  };
}
function input(overrides: Partial<DecisionInput>): DecisionInput {
  return {
    server: undefined,
    tool: undefined,
    freshness: fresh,
    policy,
    lastProbeMs: undefined,
    nowMs: NOW,
    ...overrides,
  };
}

describe('decideCall', () => {
  it('calls the tool when nothing applies, with no cap', () => {
    expect(decideCall(input({}))).toEqual({ action: 'call', concurrencyLimit: null });
    expect(decideCall(input({ server: subject(null, []), tool: subject('pay', []) }))).toEqual({
      action: 'call',
      concurrencyLimit: null,
    });
  });

  it('ignores kinds that do not block or cap, and kinds it does not know', () => {
    const tool = subject('pay', [
      decision('audit_requested'),
      decision('incident_open'),
      decision('future_kind'),
    ]);
    expect(decideCall(input({ tool }))).toEqual({ action: 'call', concurrencyLimit: null });
  });

  it('routes a frozen server or tool to the fallback, saying since when and where', () => {
    const onServer = decideCall(
      input({
        server: subject(null, [decision('frozen')]),
        policy: { ...policy, probeIntervalMs: undefined },
      }),
    );
    expect(onServer).toEqual({
      action: 'fallback',
      block: { reason: 'frozen', since: ruleCause.since, subject: 'payments' },
    });
    const onTool = decideCall(
      input({
        tool: subject('pay', [decision('frozen')]),
        policy: { ...policy, probeIntervalMs: undefined },
      }),
    );
    expect(onTool).toMatchObject({
      action: 'fallback',
      block: { reason: 'frozen', subject: 'payments/pay' },
    });
  });

  it('a kill switch wins over a freeze and is never probed', () => {
    const server = subject(null, [decision('kill_switch', [operatorCause])]);
    const tool = subject('pay', [decision('frozen')]);
    expect(decideCall(input({ server, tool, lastProbeMs: 0 }))).toEqual({
      action: 'fallback',
      block: {
        reason: 'kill_switch',
        since: operatorCause.since,
        subject: 'payments',
        actor: 'ana',
        why: 'leaked key',
      },
    });
  });

  it('caps concurrency when either subject has concurrency_lowered', () => {
    expect(decideCall(input({ server: subject(null, [decision('concurrency_lowered')]) }))).toEqual({
      action: 'call',
      concurrencyLimit: 2,
    });
    expect(decideCall(input({ tool: subject('pay', [decision('concurrency_lowered')]) }))).toEqual({
      action: 'call',
      concurrencyLimit: 2,
    });
  });

  describe('probes (half-open)', () => {
    const ruleFrozen = subject('pay', [decision('frozen'), decision('concurrency_lowered')]);

    it('probes a rule freeze once per interval, the first one interval after blocking began', () => {
      expect(decideCall(input({ tool: ruleFrozen }))).toMatchObject({ action: 'fallback' });
      expect(decideCall(input({ tool: ruleFrozen, lastProbeMs: NOW - 5_000 }))).toMatchObject({
        action: 'probe',
        concurrencyLimit: 2,
      });
      expect(decideCall(input({ tool: ruleFrozen, lastProbeMs: NOW - 4_999 }))).toMatchObject({
        action: 'fallback',
      });
      expect(decideCall(input({ tool: ruleFrozen, lastProbeMs: NOW - 5_000 }))).toMatchObject({
        action: 'probe',
      });
    });

    it('never probes without an interval', () => {
      const noProbes = { ...policy, probeIntervalMs: undefined };
      expect(decideCall(input({ tool: ruleFrozen, policy: noProbes, lastProbeMs: 0 }))).toMatchObject({
        action: 'fallback',
      });
    });

    it('never probes an operator freeze, even one shared with a rule', () => {
      const operatorFrozen = subject('pay', [decision('frozen', [ruleCause, operatorCause])]);
      expect(decideCall(input({ tool: operatorFrozen, lastProbeMs: 0 }))).toMatchObject({
        action: 'fallback',
        block: { reason: 'frozen', actor: 'ana', why: 'leaked key' },
      });
    });

    it('never probes a rule freeze on the tool while the operator froze the server', () => {
      const server = subject(null, [decision('frozen', [operatorCause])]);
      expect(decideCall(input({ server, tool: ruleFrozen, lastProbeMs: 0 }))).toMatchObject({
        action: 'fallback',
        block: { subject: 'payments' },
      });
    });

    it('never probes a freeze with no causes (nothing says a rule holds it)', () => {
      const causeless = subject('pay', [{ kind: 'frozen', since: ruleCause.since, causes: [] }]);
      expect(decideCall(input({ tool: causeless, lastProbeMs: 0 }))).toMatchObject({ action: 'fallback' });
    });
  });

  describe('a stale feed', () => {
    const silent = { synced: true, lastActivityMs: NOW - 15_001 };

    it('fails closed: the fallback, reason feed_stale, whatever the last state said', () => {
      expect(decideCall(input({ freshness: silent }))).toEqual({
        action: 'fallback',
        block: { reason: 'feed_stale', since: null, subject: null },
      });
    });

    it('fails open: the tool, uncapped, whatever the last state said', () => {
      const open = { ...policy, whenStale: 'open' as const };
      const server = subject(null, [decision('kill_switch', [operatorCause])]);
      expect(decideCall(input({ freshness: silent, policy: open, server }))).toEqual({
        action: 'call',
        concurrencyLimit: null,
      });
    });

    it('is stale before the first full state, however recent the bytes', () => {
      expect(decideCall(input({ freshness: { synced: false, lastActivityMs: NOW } }))).toMatchObject({
        action: 'fallback',
        block: { reason: 'feed_stale' },
      });
    });
  });
});

describe('isStale', () => {
  it('holds at the bound and turns one millisecond after', () => {
    expect(isStale({ synced: true, lastActivityMs: NOW - 15_000 }, 15_000, NOW)).toBe(false);
    expect(isStale({ synced: true, lastActivityMs: NOW - 15_001 }, 15_000, NOW)).toBe(true);
    expect(isStale({ synced: true, lastActivityMs: undefined }, 15_000, NOW)).toBe(true);
    expect(isStale({ synced: false, lastActivityMs: NOW }, 15_000, NOW)).toBe(true);
  });
});
