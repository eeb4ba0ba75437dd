import { describe, expect, it } from 'vitest';
import { notifierStoreContract } from '../notifier-store.contract.js';
import { InMemoryNotifierStore } from './in-memory-notifier-store.js';
import { InMemorySilenceStore } from './in-memory-silence-store.js';

const DAY = 24 * 3_600_000;

notifierStoreContract('in-memory', () => ({
  store: new InMemoryNotifierStore(),
  silences: new InMemorySilenceStore(),
}));

describe('InMemoryNotifierStore', () => {
  it('forgets log entries after 30 days, as Redis expires them', async () => {
    let now = Date.UTC(2026, 10, 1);
    const store = new InMemoryNotifierStore(() => now);
    const entry = { outcome: 'sent' as const, by: 'msg', at: new Date(now).toISOString() };
    await store.record(['old'], { slack: entry }, true);
    now += 20 * DAY;
    await store.record(['recent'], { slack: entry }, true);
    now += 11 * DAY;
    await store.record(['new'], { slack: entry }, true);
    expect(await store.isDone('old')).toBe(false);
    expect(await store.log('old')).toEqual({});
    expect(await store.isDone('recent')).toBe(true);
    expect(await store.isDone('new')).toBe(true);
  });
});
