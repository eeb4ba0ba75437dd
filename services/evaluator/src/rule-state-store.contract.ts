import { INITIAL_RULE_STATE, type RuleState } from '@budgetwatch/domain';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { describe, expect, it } from 'vitest';
import type { RuleStateStore } from './rule-state-store.js';

/**
 * What every RuleStateStore does, run against each adapter: the in-memory one in the unit tier,
 * the Redis one (the reference) in the integration tier. `createStore(label)` gives a fresh store.
 */
const FIRING: RuleState = {
  ...INITIAL_RULE_STATE,
  status: 'firing',
  since: 1000,
  breachOpen: true,
  transitions: 1,
};

function fakeEvent(id: string): BudgetwatchEvent {
  return { id } as unknown as BudgetwatchEvent;
}

export function ruleStateStoreContract(name: string, createStore: (label: string) => RuleStateStore): void {
  describe(`${name} rule state store`, () => {
    it('moves a state only from the version it was read at', async () => {
      const store = createStore('versions');
      expect(await store.write('s1', 'r', 0, FIRING, [], 1000)).toEqual({ written: true, version: 1 });
      expect(await store.write('s1', 'r', 0, INITIAL_RULE_STATE, [], 1001)).toEqual({
        written: false,
        version: 1,
      });
      expect((await store.read('s1', ['r', 'other'])).get('r')).toEqual({ state: FIRING, version: 1 });
      expect((await store.read('s1', ['r', 'other'])).has('other')).toBe(false);
    });

    it('keeps queued events until the outbox read is cleared, and later transitions after it', async () => {
      const store = createStore('outbox');
      await store.write('s2', 'r', 0, FIRING, [fakeEvent('a'), fakeEvent('b')], 1000);
      const first = await store.outbox('s2', 'r');
      expect(first?.events.map((event) => event.id)).toEqual(['a', 'b']);
      await store.write('s2', 'r', 1, INITIAL_RULE_STATE, [fakeEvent('c')], 2000);
      expect((await store.outboxes(1500)).map((outbox) => outbox.seriesId)).toEqual(['s2']);
      await store.clearOutbox(first as NonNullable<typeof first>);
      expect((await store.outbox('s2', 'r'))?.events.map((event) => event.id)).toEqual(['c']);
      expect(await store.outboxes(1500)).toEqual([]);
    });

    it('a stale outbox read clears nothing once another publisher cleared it', async () => {
      const store = createStore('stale-clear');
      await store.write('s4', 'r', 0, FIRING, [fakeEvent('a')], 1000);
      const stale = await store.outbox('s4', 'r');
      const fresh = await store.outbox('s4', 'r');
      await store.clearOutbox(fresh as NonNullable<typeof fresh>);
      await store.write('s4', 'r', 1, INITIAL_RULE_STATE, [fakeEvent('b')], 2000);
      await store.clearOutbox(stale as NonNullable<typeof stale>);
      expect((await store.outbox('s4', 'r'))?.events.map((event) => event.id)).toEqual(['b']);
    });

    it('leases an outbox to one publisher at a time', async () => {
      const store = createStore('lease');
      const token = await store.claimOutbox('s3', 'r', 60_000);
      expect(token).not.toBeNull();
      expect(await store.claimOutbox('s3', 'r', 60_000)).toBeNull();
      await store.releaseOutbox('s3', 'r', token as string);
      expect(await store.claimOutbox('s3', 'r', 60_000)).not.toBeNull();
    });
  });
}
