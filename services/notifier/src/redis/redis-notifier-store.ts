import type { Incident, PlannedNotice } from '@budgetwatch/alerting';
import { execPipelines, type RedisClient, RedisLocks } from '@budgetwatch/redis';
import {
  comparePendingOrder,
  type LogEntry,
  type NotifierStore,
  type PendingEvent,
  type ServerOutboxes,
} from '../notifier-store.js';
import { NotifierKeys } from './notifier-keys.js';

/** The log is kept this long: longer than any redelivery or restart could come back with an event. */
const LOG_TTL_MS = 30 * 24 * 3_600_000;

/** The notifier's store in Redis, shared by every notifier replica. */
export class RedisNotifierStore implements NotifierStore {
  readonly keys: NotifierKeys;
  private readonly locks: RedisLocks;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = new NotifierKeys(prefix);
    this.locks = new RedisLocks(redis);
  }

  /** Whether every channel is finished with this event (it must not be queued again). */
  async isDone(eventId: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.log(eventId), 'done')) === 1;
  }

  /**
   * Queues an event for its server, then makes the server due by `dueMs` at the latest. In that
   * order: a crash in between leaves the record uncommitted, so it comes again.
   */
  async enqueue(serverKey: string, pending: PendingEvent, dueMs: number): Promise<void> {
    await this.redis.hset(this.keys.pending(serverKey), pending.event.id, JSON.stringify(pending));
    await this.schedule(serverKey, dueMs);
  }

  /** Due by `atMs` at the latest: an earlier due time is kept. */
  async schedule(serverKey: string, atMs: number): Promise<void> {
    await this.redis.zadd(this.keys.due(), 'LT', atMs, serverKey);
  }

  async unschedule(serverKey: string): Promise<void> {
    await this.redis.zrem(this.keys.due(), serverKey);
  }

  async dueServers(nowMs: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.due(), '-inf', nowMs, 'LIMIT', 0, limit);
  }

  /** A token when this caller now holds the server's dispatch lock; null when another does. */
  lock(serverKey: string, ttlMs: number): Promise<string | null> {
    return this.locks.acquire(this.keys.lock(serverKey), ttlMs);
  }

  renewLock(serverKey: string, token: string, ttlMs: number): Promise<boolean> {
    return this.locks.renew(this.keys.lock(serverKey), token, ttlMs);
  }

  unlock(serverKey: string, token: string): Promise<void> {
    return this.locks.release(this.keys.lock(serverKey), token);
  }

  /** The server's incident, notices and pending events (in publication order). */
  async load(serverKey: string): Promise<ServerOutboxes & { pending: PendingEvent[] }> {
    const [
      [incidentError, incident] = [null, null],
      [noticesError, notices] = [null, null],
      [pendingError, pending] = [null, {}],
    ] =
      (await this.redis
        .multi()
        .get(this.keys.incident(serverKey))
        .get(this.keys.notices(serverKey))
        .hgetall(this.keys.pending(serverKey))
        .exec()) ?? [];
    if (incidentError) throw incidentError;
    if (noticesError) throw noticesError;
    if (pendingError) throw pendingError;
    const events = Object.values(pending as Record<string, string>).map(
      (text) => JSON.parse(text) as PendingEvent,
    );
    events.sort(comparePendingOrder);
    return {
      incident: incident === null ? null : (JSON.parse(incident as string) as Incident),
      notices: notices === null ? [] : (JSON.parse(notices as string) as PlannedNotice[]),
      pending: events,
    };
  }

  /** Stores the incident (null: none open) and notices, and drops the events taken in, in one step. */
  async save(
    serverKey: string,
    outboxes: ServerOutboxes,
    appliedEventIds: readonly string[] = [],
  ): Promise<void> {
    const { incident, notices } = outboxes;
    const transaction = this.redis.multi();
    if (incident === null) transaction.del(this.keys.incident(serverKey));
    else transaction.set(this.keys.incident(serverKey), JSON.stringify(incident));
    if (notices.length === 0) transaction.del(this.keys.notices(serverKey));
    else transaction.set(this.keys.notices(serverKey), JSON.stringify(notices));
    if (appliedEventIds.length > 0) transaction.hdel(this.keys.pending(serverKey), ...appliedEventIds);
    const replies = (await transaction.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
  }

  async pendingCount(serverKey: string): Promise<number> {
    return this.redis.hlen(this.keys.pending(serverKey));
  }

  /**
   * Writes log entries; `done` marks the ids finished on every channel, so a redelivered event is
   * not queued again.
   */
  async record(
    ids: readonly string[],
    entries: Readonly<Record<string, LogEntry>>,
    done: boolean,
  ): Promise<void> {
    if (ids.length === 0) return;
    const fields: string[] = [];
    for (const [channel, entry] of Object.entries(entries)) fields.push(channel, encodeLogEntry(entry));
    if (done) fields.push('done', '1');
    if (fields.length === 0) return;
    // Each id's log is a slot of its own: on a cluster, one pipeline per node.
    const replies = await execPipelines(
      this.redis,
      () => this.redis.pipeline(),
      ids.map((id) => {
        const key = this.keys.log(id);
        return { key, queue: (pipeline) => pipeline.hset(key, ...fields).pexpire(key, LOG_TTL_MS) };
      }),
    );
    for (const [error] of replies.flat()) if (error) throw error;
  }

  /** The log of one event (or repeat notification): channel -> entry. */
  async log(id: string): Promise<Record<string, LogEntry>> {
    const hash = await this.redis.hgetall(this.keys.log(id));
    const entries: Record<string, LogEntry> = {};
    for (const [channel, text] of Object.entries(hash)) {
      if (channel !== 'done') entries[channel] = decodeLogEntry(text);
    }
    return entries;
  }
}

/**
 * `outcome|by|at`, then `|reason|fallback` for a failure. Every part is Budgetwatch's own token
 * (ids, ISO times, reasons), none holds a `|`; readers that know only three parts still read these.
 */
function encodeLogEntry(entry: LogEntry): string {
  const base = `${entry.outcome}|${entry.by}|${entry.at}`;
  return entry.reason === undefined ? base : `${base}|${entry.reason}|${entry.fallback ?? ''}`;
}

function decodeLogEntry(text: string): LogEntry {
  const [outcome, by = '', at = '', reason = '', fallback = ''] = text.split('|');
  return {
    outcome: outcome as LogEntry['outcome'],
    by,
    at,
    ...(reason === '' ? {} : { reason }),
    ...(fallback === 'sent' || fallback === 'failed' ? { fallback } : {}),
  };
}
