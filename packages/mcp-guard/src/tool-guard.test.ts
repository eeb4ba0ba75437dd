/**
 * The guard's queue and probe bookkeeping around a callTool function the test controls (the
 * spans and the MCP SDK side are in guard-spans.test.ts and the integration tests).
 */
import { describe, expect, it } from 'vitest';
import { DecisionStore } from './decision-feed.js';
import { guardCallTool } from './guard-client.js';
import type { SubjectDecisions } from './subject-decisions.js';
import { GuardQueueFullError, type ToolCallResult } from './tool-guard.js';

function decisions(kinds: string[], rule = 'latency'): SubjectDecisions {
  return {
    key: 'pay/slow',
    server: 'pay',
    tool: 'slow',
    fallbackMode: null,
    decisions: kinds.map((kind) => ({
      kind,
      since: '2026-11-28T10:00:00.000Z',
      causes: [{ rule, since: '2026-11-28T10:00:00.000Z', eventId: 'e' }],
    })),
  };
}

/** A callTool whose calls stay in flight until the test lets them answer. */
function heldTool() {
  const waiting: Array<() => void> = [];
  let calls = 0;
  const callTool = async (): Promise<ToolCallResult> => {
    calls += 1;
    await new Promise<void>((resolve) => waiting.push(resolve));
    return { content: [{ type: 'text', text: 'done' }] };
  };
  return {
    callTool,
    get calls() {
      return calls;
    },
    releaseOne: () => waiting.shift()?.(),
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the lowered-concurrency queue', () => {
  it('with no room to queue, refuses the call over the cap at once', async () => {
    const feed = new DecisionStore(Date.now);
    feed.replaceAll([decisions(['concurrency_lowered'])]);
    const tool = heldTool();
    const guarded = guardCallTool(tool.callTool, { server: 'pay', feed, maxQueuedCalls: 0 });
    const first = guarded({ name: 'slow' });
    await expect(guarded({ name: 'slow' })).rejects.toThrow(
      new GuardQueueFullError('pay', 'slow', 1, 0).message,
    );
    tool.releaseOne();
    await first;
    expect(guarded.guard.load('slow')).toEqual({ inFlight: 0, queued: 0 });
  });

  it('sends a queued call to the fallback when the tool is frozen while it waits, freeing its slot', async () => {
    const feed = new DecisionStore(Date.now);
    feed.replaceAll([decisions(['concurrency_lowered'])]);
    const tool = heldTool();
    const guarded = guardCallTool(tool.callTool, { server: 'pay', feed });
    const first = guarded({ name: 'slow' });
    const queued = guarded({ name: 'slow' });
    await flush();
    expect(guarded.guard.load('slow')).toEqual({ inFlight: 1, queued: 1 });
    feed.put(decisions(['concurrency_lowered', 'frozen']));
    const answer = await queued;
    expect(answer.isError).toBe(true);
    expect(tool.calls).toBe(1);
    expect(guarded.guard.load('slow')).toEqual({ inFlight: 1, queued: 0 });
    tool.releaseOne();
    await first;
    expect(guarded.guard.load('slow')).toEqual({ inFlight: 0, queued: 0 });
  });

  it('lets waiting calls go in arrival order as slots free', async () => {
    const feed = new DecisionStore(Date.now);
    feed.replaceAll([decisions(['concurrency_lowered'])]);
    const order: string[] = [];
    const tool = heldTool();
    const guarded = guardCallTool(
      async (request) => {
        order.push(String(request.arguments?.n));
        return tool.callTool();
      },
      { server: 'pay', feed },
    );
    const calls = [1, 2, 3].map((n) => guarded({ name: 'slow', arguments: { n } }));
    for (let i = 0; i < 3; i++) {
      await flush();
      tool.releaseOne();
    }
    await Promise.all(calls);
    expect(order).toEqual(['1', '2', '3']);
  });
});

describe('options', () => {
  it('refuses settings that cannot work', () => {
    const feed = new DecisionStore(Date.now);
    const callTool = heldTool().callTool;
    expect(() => guardCallTool(callTool, { server: '', feed })).toThrow(/server/);
    expect(() => guardCallTool(callTool, { server: 'pay', feed, loweredConcurrency: 0 })).toThrow(
      /loweredConcurrency/,
    );
    expect(() => guardCallTool(callTool, { server: 'pay', feed, staleAfterMs: -1 })).toThrow(/staleAfterMs/);
    expect(() => guardCallTool(callTool, { server: 'pay', feed, probeIntervalMs: Number.NaN })).toThrow(
      /probeIntervalMs/,
    );
  });
});

describe('per-tool state', () => {
  it('is kept only while a tool has calls in flight or waiting, or a probe clock running', async () => {
    let nowMs = 1_000;
    const feed = new DecisionStore(() => nowMs);
    feed.replaceAll([]);
    const tool = heldTool();
    const guarded = guardCallTool(tool.callTool, {
      server: 'pay',
      feed,
      probeIntervalMs: 100,
      now: () => nowMs,
    });
    const names = Array.from({ length: 50 }, (_, i) => `tool-${i}`);
    const calls = names.map((name) => guarded({ name }));
    await flush();
    for (const _ of names) tool.releaseOne();
    await Promise.all(calls);
    expect(guarded.guard.trackedTools).toBe(0);

    feed.put(decisions(['frozen']));
    await guarded({ name: 'slow' });
    expect(guarded.guard.trackedTools).toBe(1);
    nowMs += 100;
    const probe = guarded({ name: 'slow' });
    await flush();
    expect(tool.calls).toBe(51);
    tool.releaseOne();
    await probe;
    expect(guarded.guard.trackedTools).toBe(1);
  });
});
