import type { Incident, PlannedNotice } from '@budgetwatch/alerting';
import type { BudgetwatchEvent } from '@budgetwatch/events';

/** An event waiting for its server's dispatch, with where it was read (for ordering). */
export interface PendingEvent {
  event: BudgetwatchEvent;
  partition: number;
  offset: string;
}

/**
 * One line of the notification log: what happened to an event (or repeat) on one channel, or
 * (under the entry names `acknowledged` and `silence`) what a responder did about it from Slack.
 */
export interface LogEntry {
  /** `failed`: given up after a permanent failure; retriable failures are retried, not logged. */
  outcome: 'sent' | 'failed' | 'silenced' | 'not_notified' | 'acknowledged' | 'silence_created';
  /**
   * The notification that carried it, the silence that muted it (or was created), or who
   * acknowledged it.
   */
  by: string;
  at: string;
  /** Why it failed: a short reason (channel_not_found, smtp_550...). */
  reason?: string;
  /** Failed for its content: whether the minimal plain-text message sent instead went out. */
  fallback?: 'sent' | 'failed';
}

/** What one server's dispatches keep between them: what is decided and not yet delivered. */
export interface ServerOutboxes {
  /** The open incident with its outbox (or the resolved one still delivering); null: none. */
  incident: Incident | null;
  /** Rollout notices decided and not yet finished on every channel. */
  notices: PlannedNotice[];
}

/**
 * Where the notifier keeps what must survive a restart: events not yet dispatched, each server's
 * incident and notices with their outboxes, when each server is next due, and the notification
 * log. Redis is the reference; the all-in-one mode keeps the same in memory.
 */
export interface NotifierStore {
  /** Whether every channel is finished with this event (it must not be queued again). */
  isDone(eventId: string): Promise<boolean>;
  /** Queues an event for its server, then makes the server due by `dueMs` at the latest. */
  enqueue(serverKey: string, pending: PendingEvent, dueMs: number): Promise<void>;
  /** Due by `atMs` at the latest: an earlier due time is kept. */
  schedule(serverKey: string, atMs: number): Promise<void>;
  unschedule(serverKey: string): Promise<void>;
  dueServers(nowMs: number, limit: number): Promise<string[]>;
  /** A token when this caller now holds the server's dispatch lock; null when another does. */
  lock(serverKey: string, ttlMs: number): Promise<string | null>;
  renewLock(serverKey: string, token: string, ttlMs: number): Promise<boolean>;
  unlock(serverKey: string, token: string): Promise<void>;
  /** The server's incident, notices and pending events (in publication order). */
  load(serverKey: string): Promise<ServerOutboxes & { pending: PendingEvent[] }>;
  /** Stores the incident (null: none open) and notices, and drops the events taken in, in one step. */
  save(serverKey: string, outboxes: ServerOutboxes, appliedEventIds?: readonly string[]): Promise<void>;
  pendingCount(serverKey: string): Promise<number>;
  /** Writes log entries; `done` marks the ids finished on every channel. */
  record(ids: readonly string[], entries: Readonly<Record<string, LogEntry>>, done: boolean): Promise<void>;
  /** The log of one event (or repeat notification): channel -> entry. */
  log(id: string): Promise<Record<string, LogEntry>>;
}

export function comparePendingOrder(a: PendingEvent, b: PendingEvent): number {
  if (a.partition !== b.partition) return a.partition - b.partition;
  const difference = BigInt(a.offset) - BigInt(b.offset);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}
