import { randomUUID } from 'node:crypto';
import type { RuleState } from '@budgetwatch/domain';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import type { Outbox, RuleStateStore, StoredRuleState } from '../rule-state-store.js';

interface QueuedTransition {
  /** Unique in this store: an outbox token names the transitions it read. */
  sequence: number;
  queuedAtMs: number;
  events: BudgetwatchEvent[];
}

/**
 * Rule states of the all-in-one mode, in this process, with the same contract as the Redis store:
 * versioned conditional writes, events queued with their transition, leases on publishing.
 */
export class InMemoryRuleStateStore implements RuleStateStore {
  private readonly states = new Map<string, StoredRuleState>();
  private readonly queued = new Map<string, QueuedTransition[]>();
  private readonly leases = new Map<string, { token: string; untilMs: number }>();
  private nextSequence = 1;

  constructor(private readonly now: () => number = Date.now) {}

  async read(seriesId: string, ruleIds: readonly string[]): Promise<Map<string, StoredRuleState>> {
    const found = new Map<string, StoredRuleState>();
    for (const ruleId of ruleIds) {
      const stored = this.states.get(key(seriesId, ruleId));
      if (stored !== undefined) found.set(ruleId, { version: stored.version, state: { ...stored.state } });
    }
    return found;
  }

  async write(
    seriesId: string,
    ruleId: string,
    expectedVersion: number,
    state: RuleState,
    events: readonly BudgetwatchEvent[],
    nowMs: number,
  ): Promise<{ written: boolean; version: number }> {
    const id = key(seriesId, ruleId);
    const version = this.states.get(id)?.version ?? 0;
    if (version !== expectedVersion) return { written: false, version };
    this.states.set(id, { version: version + 1, state: { ...state } });
    if (events.length > 0) {
      const queue = this.queued.get(id) ?? [];
      queue.push({ sequence: this.nextSequence++, queuedAtMs: nowMs, events: [...events] });
      this.queued.set(id, queue);
    }
    return { written: true, version: version + 1 };
  }

  async outbox(seriesId: string, ruleId: string): Promise<Outbox | undefined> {
    return this.toOutbox(seriesId, ruleId, this.queued.get(key(seriesId, ruleId)));
  }

  async outboxes(queuedBeforeMs: number): Promise<Outbox[]> {
    const found: Outbox[] = [];
    for (const [id, queue] of this.queued) {
      const [seriesId = '', ruleId = ''] = id.split('\u0000');
      const outbox = this.toOutbox(seriesId, ruleId, queue);
      if (outbox !== undefined && outbox.queuedAtMs <= queuedBeforeMs) found.push(outbox);
    }
    return found;
  }

  /**
   * Drops the transitions the outbox held, if the queue still starts with them (as the Redis
   * script checks): when another publisher cleared them first, later transitions stay queued.
   */
  async clearOutbox(outbox: Outbox): Promise<void> {
    const id = key(outbox.seriesId, outbox.ruleId);
    const queue = this.queued.get(id) ?? [];
    const [first, last] = outbox.token.split('-').map(Number);
    if (queue[0]?.sequence !== first) return;
    const rest = queue.filter((entry) => entry.sequence > (last ?? Number.POSITIVE_INFINITY));
    if (rest.length === 0) this.queued.delete(id);
    else this.queued.set(id, rest);
  }

  async claimOutbox(seriesId: string, ruleId: string, ttlMs: number): Promise<string | null> {
    const id = key(seriesId, ruleId);
    const now = this.now();
    const held = this.leases.get(id);
    if (held !== undefined && held.untilMs > now) return null;
    const token = randomUUID();
    this.leases.set(id, { token, untilMs: now + ttlMs });
    return token;
  }

  async releaseOutbox(seriesId: string, ruleId: string, token: string): Promise<void> {
    const id = key(seriesId, ruleId);
    if (this.leases.get(id)?.token === token) this.leases.delete(id);
  }

  private toOutbox(
    seriesId: string,
    ruleId: string,
    queue: readonly QueuedTransition[] | undefined,
  ): Outbox | undefined {
    if (queue === undefined || queue.length === 0) return undefined;
    return {
      seriesId,
      ruleId,
      queuedAtMs: Math.min(...queue.map((entry) => entry.queuedAtMs)),
      events: queue.flatMap((entry) => entry.events),
      token: `${queue[0]?.sequence}-${queue.at(-1)?.sequence}`,
    };
  }
}

function key(seriesId: string, ruleId: string): string {
  return `${seriesId}\u0000${ruleId}`;
}
