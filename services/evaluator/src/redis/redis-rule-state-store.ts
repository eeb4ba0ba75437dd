import { type RuleState, storedRuleState } from '@budgetwatch/domain';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { type RedisClient, RedisLocks } from '@budgetwatch/redis';
import type { Outbox, RuleStateStore, StoredRuleState } from '../rule-state-store.js';
import { type RuleStateRedis, registerRuleStateScripts } from './rule-state-scripts.js';

/**
 * Rule states in one hash per series, `<prefix>rules:{<series id>}` (one cluster slot per series),
 * with each rule's outbox in the same hash; `<prefix>rules:outbox` lists the series that may have
 * unpublished events (a hint: it is written before the transition and pruned when found empty).
 */
export class RedisRuleStateStore implements RuleStateStore {
  private readonly redis: RuleStateRedis;
  private readonly locks: RedisLocks;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.redis = registerRuleStateScripts(redis);
    this.locks = new RedisLocks(redis);
  }

  private key(seriesId: string): string {
    return `${this.prefix}rules:{${seriesId}}`;
  }

  private outboxIndex(): string {
    return `${this.prefix}rules:outbox`;
  }

  async read(seriesId: string, ruleIds: readonly string[]): Promise<Map<string, StoredRuleState>> {
    const states = new Map<string, StoredRuleState>();
    if (ruleIds.length === 0) return states;
    const values = await this.redis.hmget(this.key(seriesId), ...ruleIds.map((id) => `s:${id}`));
    ruleIds.forEach((id, i) => {
      const value = values[i];
      if (value === null || value === undefined) return;
      const bar = value.indexOf('|');
      states.set(id, {
        version: Number(value.slice(0, bar)),
        state: storedRuleState(JSON.parse(value.slice(bar + 1)) as RuleState),
      });
    });
    return states;
  }

  async write(
    seriesId: string,
    ruleId: string,
    expectedVersion: number,
    state: RuleState,
    events: readonly BudgetwatchEvent[],
    nowMs: number,
  ): Promise<{ written: boolean; version: number }> {
    // The index entry first: a crash after the transition still leaves the outbox findable.
    if (events.length > 0) await this.redis.sadd(this.outboxIndex(), seriesId);
    const [written, version] = await this.redis.transitionRuleState(
      this.key(seriesId),
      ruleId,
      expectedVersion,
      JSON.stringify(state),
      events.length === 0 ? '' : JSON.stringify(events),
      nowMs,
    );
    // And again after: a concurrent prune may have dropped the entry in between.
    if (events.length > 0 && written === 1) await this.redis.sadd(this.outboxIndex(), seriesId);
    return { written: written === 1, version };
  }

  async outbox(seriesId: string, ruleId: string): Promise<Outbox | undefined> {
    const text = await this.redis.hget(this.key(seriesId), `o:${ruleId}`);
    return text === null ? undefined : parseOutbox(seriesId, ruleId, text);
  }

  async outboxes(queuedBeforeMs: number): Promise<Outbox[]> {
    const found: Outbox[] = [];
    for (const seriesId of await this.redis.smembers(this.outboxIndex())) {
      const hash = await this.redis.hgetall(this.key(seriesId));
      let pending = 0;
      for (const [field, text] of Object.entries(hash)) {
        if (!field.startsWith('o:')) continue;
        pending += 1;
        const outbox = parseOutbox(seriesId, field.slice(2), text);
        if (outbox.queuedAtMs <= queuedBeforeMs) found.push(outbox);
      }
      if (pending === 0) await this.redis.srem(this.outboxIndex(), seriesId);
    }
    return found;
  }

  async clearOutbox(outbox: Outbox): Promise<void> {
    await this.redis.clearOutbox(this.key(outbox.seriesId), outbox.ruleId, outbox.token);
  }

  claimOutbox(seriesId: string, ruleId: string, ttlMs: number): Promise<string | null> {
    return this.locks.acquire(this.publishingKey(seriesId, ruleId), ttlMs);
  }

  releaseOutbox(seriesId: string, ruleId: string, token: string): Promise<void> {
    return this.locks.release(this.publishingKey(seriesId, ruleId), token);
  }

  private publishingKey(seriesId: string, ruleId: string): string {
    return `${this.key(seriesId)}:publishing:${ruleId}`;
  }
}

/** An outbox field: one line per transition, "<queued at>|<events JSON>". */
function parseOutbox(seriesId: string, ruleId: string, text: string): Outbox {
  const lines = text.split('\n').map((line) => {
    const bar = line.indexOf('|');
    return {
      queuedAtMs: Number(line.slice(0, bar)),
      events: JSON.parse(line.slice(bar + 1)) as BudgetwatchEvent[],
    };
  });
  return {
    seriesId,
    ruleId,
    queuedAtMs: Math.min(...lines.map((line) => line.queuedAtMs)),
    events: lines.flatMap((line) => line.events),
    token: text,
  };
}
