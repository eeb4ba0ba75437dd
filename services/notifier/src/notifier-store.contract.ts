import type { Incident, PlannedNotice } from '@budgetwatch/alerting';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { describe, expect, it } from 'vitest';
import type { NotifierStore } from './notifier-store.js';
import type { SilenceStore } from './silence-store.js';

/**
 * What every NotifierStore and SilenceStore does, run against each adapter: the in-memory ones in
 * the unit tier, the Redis ones (the reference) in the integration tier.
 */
function pending(id: string, offset: string) {
  return { event: { id } as unknown as BudgetwatchEvent, partition: 0, offset };
}

export function notifierStoreContract(
  name: string,
  createStores: (label: string) => { store: NotifierStore; silences: SilenceStore },
): void {
  describe(`${name} notifier store`, () => {
    it('queues events in publication order and drops the ones an incident took in', async () => {
      const { store } = createStores('queue');
      await store.enqueue('srv', pending('b', '10'), 5000);
      await store.enqueue('srv', pending('a', '9'), 9000);
      const loaded = await store.load('srv');
      expect(loaded.incident).toBeNull();
      expect(loaded.pending.map((entry) => entry.event.id)).toEqual(['a', 'b']);
      const incident = { id: 'inc-1' } as unknown as Incident;
      const notices = [{ id: 'ntc-1' } as unknown as PlannedNotice];
      await store.save('srv', { incident, notices }, ['a']);
      expect(await store.load('srv')).toEqual({ incident, notices, pending: [pending('b', '10')] });
      expect(await store.pendingCount('srv')).toBe(1);
      await store.save('srv', { incident: null, notices: [] });
      expect(await store.load('srv')).toEqual({ incident: null, notices: [], pending: [pending('b', '10')] });
    });

    it('keeps the earliest due time and lists due servers', async () => {
      const { store } = createStores('due');
      await store.schedule('late', 9000);
      await store.schedule('early', 2000);
      await store.schedule('early', 4000);
      expect(await store.dueServers(3000, 10)).toEqual(['early']);
      expect(await store.dueServers(10_000, 10)).toEqual(['early', 'late']);
      await store.unschedule('early');
      expect(await store.dueServers(10_000, 10)).toEqual(['late']);
    });

    it('lets one dispatcher at a time hold a server', async () => {
      const { store } = createStores('lock');
      const token = await store.lock('srv', 60_000);
      expect(token).not.toBeNull();
      expect(await store.lock('srv', 60_000)).toBeNull();
      expect(await store.renewLock('srv', 'not-the-token', 60_000)).toBe(false);
      expect(await store.renewLock('srv', token as string, 60_000)).toBe(true);
      await store.unlock('srv', token as string);
      expect(await store.lock('srv', 60_000)).not.toBeNull();
    });

    it('logs each channel per event, and marks events done', async () => {
      const { store } = createStores('log');
      const sent = { outcome: 'sent' as const, by: 'msg-1', at: '2026-11-25T12:00:00.000Z' };
      await store.record(['e1', 'e2'], { slack: sent }, false);
      expect(await store.isDone('e1')).toBe(false);
      await store.record(['e1'], { email: { ...sent, by: 'mail-1' } }, true);
      expect(await store.isDone('e1')).toBe(true);
      expect(await store.log('e1')).toEqual({ slack: sent, email: { ...sent, by: 'mail-1' } });
      expect(await store.log('e2')).toEqual({ slack: sent });
      const failed = {
        ...sent,
        outcome: 'failed' as const,
        reason: 'invalid_blocks',
        fallback: 'sent' as const,
      };
      await store.record(['e2'], { slack: failed }, true);
      expect(await store.log('e2')).toEqual({ slack: failed });
    });

    it('creates, lists and expires silences', async () => {
      const { silences } = createStores('silences');
      const silence = await silences.create({
        matchers: { server: 'srv' },
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'alice',
        comment: 'maintenance',
      });
      expect((await silences.active()).map((one) => one.id)).toEqual([silence.id]);
      await silences.expire(silence.id);
      expect(await silences.active()).toEqual([]);
      expect((await silences.list()).map((one) => [one.id, one.state])).toEqual([[silence.id, 'expired']]);
      await expect(
        silences.create({ matchers: {}, endsAt: '2020-01-01T00:00:00Z', createdBy: '', comment: '' }),
      ).rejects.toThrow();
    });
  });
}
