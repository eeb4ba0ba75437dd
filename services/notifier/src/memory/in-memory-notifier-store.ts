import { randomUUID } from 'node:crypto';
import type { Incident, PlannedNotice } from '@budgetwatch/alerting';
import {
  comparePendingOrder,
  type LogEntry,
  type NotifierStore,
  type PendingEvent,
  type ServerOutboxes,
} from '../notifier-store.js';

/** The log is kept as long as in Redis (where its keys expire after 30 days). */
const LOG_KEPT_MS = 30 * 24 * 3_600_000;

/**
 * The notifier's store in the all-in-one mode: pending events, incidents, due times, locks and the
 * notification log in this process, with the Redis store's semantics. Values are copied in and out,
 * as they would be through Redis, so no caller shares state by accident.
 */
export class InMemoryNotifierStore implements NotifierStore {
  private readonly pending = new Map<string, Map<string, PendingEvent>>();
  private readonly incidents = new Map<string, Incident>();
  private readonly notices = new Map<string, PlannedNotice[]>();
  private readonly due = new Map<string, number>();
  private readonly locks = new Map<string, { token: string; untilMs: number }>();
  private readonly logs = new Map<
    string,
    { entries: Record<string, LogEntry>; done: boolean; atMs: number }
  >();

  constructor(private readonly now: () => number = Date.now) {}

  async isDone(eventId: string): Promise<boolean> {
    return this.logs.get(eventId)?.done === true;
  }

  async enqueue(serverKey: string, pending: PendingEvent, dueMs: number): Promise<void> {
    const queue = this.pending.get(serverKey) ?? new Map<string, PendingEvent>();
    queue.set(pending.event.id, structuredClone(pending));
    this.pending.set(serverKey, queue);
    await this.schedule(serverKey, dueMs);
  }

  async schedule(serverKey: string, atMs: number): Promise<void> {
    this.due.set(serverKey, Math.min(atMs, this.due.get(serverKey) ?? Number.POSITIVE_INFINITY));
  }

  async unschedule(serverKey: string): Promise<void> {
    this.due.delete(serverKey);
  }

  async dueServers(nowMs: number, limit: number): Promise<string[]> {
    return [...this.due]
      .filter(([, atMs]) => atMs <= nowMs)
      .sort(([, a], [, b]) => a - b)
      .slice(0, limit)
      .map(([serverKey]) => serverKey);
  }

  async lock(serverKey: string, ttlMs: number): Promise<string | null> {
    const held = this.locks.get(serverKey);
    if (held !== undefined && held.untilMs > this.now()) return null;
    const token = randomUUID();
    this.locks.set(serverKey, { token, untilMs: this.now() + ttlMs });
    return token;
  }

  async renewLock(serverKey: string, token: string, ttlMs: number): Promise<boolean> {
    const held = this.locks.get(serverKey);
    if (held?.token !== token) return false;
    held.untilMs = this.now() + ttlMs;
    return true;
  }

  async unlock(serverKey: string, token: string): Promise<void> {
    if (this.locks.get(serverKey)?.token === token) this.locks.delete(serverKey);
  }

  async load(serverKey: string): Promise<ServerOutboxes & { pending: PendingEvent[] }> {
    const incident = this.incidents.get(serverKey);
    const pending = [...(this.pending.get(serverKey)?.values() ?? [])].map((entry) => structuredClone(entry));
    return {
      incident: incident === undefined ? null : structuredClone(incident),
      notices: structuredClone(this.notices.get(serverKey) ?? []),
      pending: pending.sort(comparePendingOrder),
    };
  }

  async save(
    serverKey: string,
    outboxes: ServerOutboxes,
    appliedEventIds: readonly string[] = [],
  ): Promise<void> {
    const { incident, notices } = outboxes;
    if (incident === null) this.incidents.delete(serverKey);
    else this.incidents.set(serverKey, structuredClone(incident));
    if (notices.length === 0) this.notices.delete(serverKey);
    else this.notices.set(serverKey, structuredClone(notices));
    const queue = this.pending.get(serverKey);
    for (const id of appliedEventIds) queue?.delete(id);
    if (queue?.size === 0) this.pending.delete(serverKey);
  }

  async pendingCount(serverKey: string): Promise<number> {
    return this.pending.get(serverKey)?.size ?? 0;
  }

  async record(
    ids: readonly string[],
    entries: Readonly<Record<string, LogEntry>>,
    done: boolean,
  ): Promise<void> {
    const now = this.now();
    for (const id of ids) {
      const log = this.logs.get(id) ?? { entries: {}, done: false, atMs: now };
      Object.assign(log.entries, structuredClone(entries));
      log.done ||= done;
      log.atMs = now;
      // Re-inserted last: the map stays in write order, so the oldest entries come first.
      this.logs.delete(id);
      this.logs.set(id, log);
    }
    for (const [id, log] of this.logs) {
      if (now - log.atMs <= LOG_KEPT_MS) break;
      this.logs.delete(id);
    }
  }

  async log(id: string): Promise<Record<string, LogEntry>> {
    return structuredClone(this.logs.get(id)?.entries ?? {});
  }
}
