import { describe, expect, it } from 'vitest';
import { type DecisionChange, DecisionFeed } from './decision-feed.js';
import type { SubjectDecisions } from './decision-state.js';

function subject(server: string, tool: string | null, frozen: boolean): SubjectDecisions {
  return {
    key: tool === null ? server : `${server}/${tool}`,
    server,
    tool,
    fallbackMode: null,
    decisions: frozen
      ? [
          {
            kind: 'frozen',
            since: '2026-11-01T00:00:00.000Z',
            causes: [{ rule: 'r', since: '2026-11-01T00:00:00.000Z', eventId: 'e' }],
          },
        ]
      : [],
  };
}

describe('DecisionFeed', () => {
  it('holds the subjects in force, by key, filtered by server (its own subject and its tools)', () => {
    const feed = new DecisionFeed();
    feed.record(1, subject('b', null, true));
    feed.record(2, subject('a', 'x', true));
    feed.record(3, subject('a', null, true));
    feed.record(4, subject('ab', null, true));
    expect(feed.current().map((s) => s.key)).toEqual(['a', 'a/x', 'ab', 'b']);
    expect(feed.current('a').map((s) => s.key)).toEqual(['a', 'a/x']);
    feed.record(5, subject('a', 'x', false));
    expect(feed.current('a').map((s) => s.key)).toEqual(['a']);
    expect(feed.version).toBe(5);
  });

  it('ignores a version that is not newer (a re-read record), and non-integer versions', () => {
    const feed = new DecisionFeed();
    expect(feed.record(3, subject('a', null, true))).toBe(true);
    expect(feed.record(3, subject('a', null, false))).toBe(false);
    expect(feed.record(2, subject('a', null, false))).toBe(false);
    expect(feed.record(Number.NaN, subject('a', null, false))).toBe(false);
    expect(feed.current()).toHaveLength(1);
    expect(feed.version).toBe(3);
  });

  it('resumes with exactly the changes after a version, gaps in versions included (compaction)', () => {
    const feed = new DecisionFeed();
    feed.record(1, subject('a', null, true));
    feed.record(4, subject('b', null, true));
    feed.record(7, subject('a', null, false));
    const versions = (resumed: ReturnType<DecisionFeed['resume']>) =>
      resumed.kind === 'changes' ? resumed.changes.map((c: DecisionChange) => c.version) : resumed.kind;
    expect(versions(feed.resume(0))).toEqual([1, 4, 7]);
    expect(versions(feed.resume(1))).toEqual([4, 7]);
    expect(versions(feed.resume(2))).toEqual([4, 7]);
    expect(versions(feed.resume(7))).toEqual([]);
    expect(versions(feed.resume(4, 'a'))).toEqual([7]);
    expect(versions(feed.resume(1, 'b'))).toEqual([4]);
  });

  it('answers a snapshot when the version is unknown, newer than the feed (a restart) or too old', () => {
    const feed = new DecisionFeed(3);
    for (let version = 1; version <= 5; version++) feed.record(version, subject(`s${version}`, null, true));
    // The log holds 3, 4, 5: a reader at 2 has seen everything before 3 and can resume.
    expect(feed.resume(2)).toMatchObject({ kind: 'changes' });
    expect(feed.resume(1)).toEqual({ kind: 'snapshot', version: 5, decisions: feed.current() });
    expect(feed.resume(6)).toMatchObject({ kind: 'snapshot', version: 5 });
    expect(feed.resume(null, 's1')).toEqual({
      kind: 'snapshot',
      version: 5,
      decisions: [subject('s1', null, true)],
    });
  });

  it('keeps resuming correctly past many log trims', () => {
    const feed = new DecisionFeed(4);
    for (let version = 1; version <= 50; version++)
      feed.record(version, subject('a', null, version % 2 === 1));
    const resumed = feed.resume(46);
    expect(resumed.kind === 'changes' && resumed.changes.map((c) => c.version)).toEqual([47, 48, 49, 50]);
    expect(feed.resume(45).kind).toBe('snapshot');
  });

  it('tells listeners every change until they unsubscribe', () => {
    const feed = new DecisionFeed();
    const seen: number[] = [];
    const stop = feed.subscribe((change) => seen.push(change.version));
    feed.record(1, subject('a', null, true));
    feed.record(1, subject('a', null, false));
    stop();
    feed.record(2, subject('a', null, false));
    expect(seen).toEqual([1]);
  });

  it('refuses a log size that is not a positive integer', () => {
    expect(() => new DecisionFeed(0)).toThrow();
  });
});
