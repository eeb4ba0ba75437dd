import { describe, expect, it } from 'vitest';
import { addCall, type BucketCounters, emptyCounters, subtractCounters } from '../windows/bucket-counters.js';
import { COARSE, FINE, type Resolution, windowBucketRange } from '../windows/resolution.js';
import { summarizeWindow } from '../windows/window-summary.js';
import { applicableRules, measureRule } from './applicable-checks.js';
import { DEFAULT_POLICY } from './playbook-rules.js';
import type { Policy } from './rule.js';
import { type HistoryBucket, type RingContents, ruleHistories } from './rule-history.js';

const THRESHOLDS = [3000];
const MINUTE = 60_000;
const NOW = Date.UTC(2026, 10, 28, 12, 0, 30);
const SERVER_RULES = applicableRules(DEFAULT_POLICY, { scope: 'server', tier: undefined });
const rule = (id: string) => {
  const found = SERVER_RULES.find((applicable) => applicable.rule.id === id);
  if (found === undefined) throw new Error(id);
  return found;
};

/** A bucket holding `ok` fast calls, `errors` failed ones and `slow` calls of 5 s. */
function bucket(index: number, calls: { ok?: number; errors?: number; slow?: number }): HistoryBucket {
  const counters = emptyCounters(THRESHOLDS.length);
  const add = (count: number, outcome: 'ok' | 'error', latencyMs: number) => {
    for (let i = 0; i < count; i++) {
      addCall(
        counters,
        {
          server: 's',
          tool: 't',
          drill: false,
          outcome,
          fallback: false,
          latencyMs,
          eventTimeMs: 0,
          unregistered: false,
        },
        THRESHOLDS,
      );
    }
  };
  add(calls.ok ?? 0, 'ok', 100);
  add(calls.errors ?? 0, 'error', 100);
  add(calls.slow ?? 0, 'ok', 5000);
  return { index, counters };
}

function rings(fine: HistoryBucket[], coarse: HistoryBucket[] = []): RingContents {
  return (resolution: Resolution) => (resolution.name === 'fine' ? fine : coarse);
}

const nowIndex = (resolution: Resolution) => Math.floor(NOW / resolution.bucketMs);

describe('rule histories', () => {
  it('one point per bucket over the window: 288 of 5 min for 24h, 120 of 1 min for 2h; the last at now', async () => {
    const [success, latency] = await ruleHistories(
      [rule('success-rate'), rule('latency-p95')],
      rings([]),
      THRESHOLDS,
      NOW,
    );
    expect(success?.times).toHaveLength(288);
    expect(success?.stepMs).toBe(COARSE.bucketMs);
    expect(latency?.times).toHaveLength(120);
    expect(latency?.stepMs).toBe(FINE.bucketMs);
    expect(latency?.times.at(-1)).toBe(NOW);
    expect(latency?.times.at(-2)).toBe((nowIndex(FINE) - 1 + 1) * MINUTE - 1);
    // No calls: no value, and no calls counted.
    expect(new Set(success?.values)).toEqual(new Set([null]));
    expect(new Set(latency?.calls)).toEqual(new Set([0]));
  });

  it("the last point is the rule's value over the window it reads now", async () => {
    const last = nowIndex(COARSE);
    const coarse = [
      bucket(last - 300, { errors: 50 }),
      bucket(last - 10, { ok: 90, errors: 10 }),
      bucket(last, { ok: 100 }),
    ];
    const [history] = await ruleHistories([rule('success-rate')], rings([], coarse), THRESHOLDS, NOW);
    const { first } = windowBucketRange(24 * 60 * MINUTE, NOW, COARSE);
    const totals = emptyCounters(1);
    for (const held of coarse.filter((one) => one.index >= first)) {
      for (const key of ['calls', 'errors'] as const) totals[key] += held.counters[key];
    }
    const expected = await measureRule(rule('success-rate'), async (windowMs) =>
      summarizeWindow(totals, THRESHOLDS, windowMs),
    );
    expect(history?.values.at(-1)).toBe(expected.value);
    expect(history?.values.at(-1)).toBeCloseTo(190 / 200);
    expect(history?.calls.at(-1)).toBe(200);
    // Before the last bucket: only the 100 calls of last - 10.
    expect(history?.values.at(-2)).toBeCloseTo(0.9);
    // Before last - 10 nothing is held inside the window (last - 300 is older than 24h from then).
    expect(history?.values.at(-12)).toBeNull();
  });

  it('a bucket counts for exactly one window length, then slides out', async () => {
    const last = nowIndex(FINE);
    const start = last - 110;
    const fine = [bucket(start, { slow: 100 }), bucket(last - 5, { ok: 100 })];
    const [latency] = await ruleHistories([rule('latency-p95')], rings(fine), THRESHOLDS, NOW);
    const at = (index: number) => latency?.values[index - (last - 119)];
    expect(at(start - 1)).toBeNull();
    expect(at(start)).toBeGreaterThan(4900);
    expect(at(last - 6)).toBeGreaterThan(4900);
    // 100 slow and 100 fast: p95 is slow still.
    expect(at(last - 5)).toBeGreaterThan(4900);
    const [shortWindow] = await ruleHistories(
      [{ ...rule('latency-p95'), rule: { ...rule('latency-p95').rule, windowMs: 10 * MINUTE } }],
      rings(fine),
      THRESHOLDS,
      NOW,
    );
    const short = (index: number) => shortWindow?.values[index - (last - 9)];
    // A 10-minute window at last - 5: the fast bucket alone (the slow one slid out long ago).
    expect(short(last - 5)).toBeLessThan(200);
    expect(short(last - 6)).toBeNull();
    // ... and it stays in for ten buckets: still there at last (last - 5 + 9 is past now).
    expect(short(last)).toBeLessThan(200);
  });

  it('the burn-rate warning is charted over its long window, reading its short one too', async () => {
    const policy: Policy = { ...DEFAULT_POLICY, burnRate: { ...DEFAULT_POLICY.burnRate, enabled: true } };
    const burn = applicableRules(policy, { scope: 'server', tier: undefined }).find(
      (applicable) => applicable.kind === 'burn-rate',
    );
    if (burn === undefined) throw new Error('no burn-rate rule');
    const last = nowIndex(FINE);
    const [history] = await ruleHistories(
      [burn],
      rings([bucket(last, { ok: 50, errors: 50 })]),
      THRESHOLDS,
      NOW,
    );
    expect(history?.times).toHaveLength(60);
    expect(history?.values.at(-1)).toBeGreaterThan(10);
    expect(history?.values.at(-2)).toBeNull();
  });
});

describe('subtracting counters', () => {
  it('takes back what was merged, dropping emptied sketch bins', () => {
    const one = bucket(0, { ok: 2, slow: 1 }).counters;
    const both: BucketCounters = bucket(0, { ok: 3, slow: 1, errors: 2 }).counters;
    subtractCounters(both, one);
    expect(both.calls).toBe(3);
    expect(both.errors).toBe(2);
    expect(both.slow).toEqual([0]);
    // Left: 1 fast ok call and 2 fast errors, all in one bin; the 5 s bin is gone.
    expect([...both.sketch.values()]).toEqual([3]);
  });
});
