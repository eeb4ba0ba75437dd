import type { Delivery, DeliveryChannel } from '@budgetwatch/alerting';
import type { Logger } from '@budgetwatch/logger';
import type { NotifierMetrics } from './notifier-metrics.js';
import type { LogEntry, NotifierStore } from './notifier-store.js';
import { type DeliveryError, unrecognisedDeliveryError } from './sinks/delivery-error.js';

const CHANNELS: readonly DeliveryChannel[] = ['slack', 'email'];
const MAX_RETRY_DELAY_MS = 5 * 60_000;

/** A notification waiting in an outbox, as delivery sees it. */
export interface OutboxEntry {
  id: string;
  /** The events it reports: the log is kept under them (under its own id when there are none). */
  eventIds: string[];
  deliveries: Delivery[];
}

/** One of a server's outboxes, in order, and how to send one delivery of it. */
export interface Outbox<Entry extends OutboxEntry> {
  entries: readonly Entry[];
  /** Sends the delivery: the full message, or the plain-text one while `fallback` is pending. */
  send(entry: Entry, delivery: Delivery): Promise<void>;
  /** Keeps only these entries: the others are finished on every channel (and logged). */
  keep(entries: Entry[]): void;
  /** Stores the outbox as it stands: after each attempt, so a crash repeats none. */
  save(): Promise<void>;
}

export interface OutboxDeliveryOptions {
  store: NotifierStore;
  metrics: NotifierMetrics;
  logger: Logger;
  now: () => number;
}

/**
 * Works through an outbox one channel at a time: each channel takes its deliveries in order (a
 * thread's replies after its first message), with its own attempts and backoff, so a channel that
 * fails never holds the other back. A retriable failure stops that channel until its retry time; a
 * permanent one is given up, recorded with its reason, and, when the content was refused, answered
 * with a minimal plain-text message instead.
 */
export class OutboxDelivery {
  constructor(private readonly options: OutboxDeliveryOptions) {}

  /**
   * Delivers what is due; returns when to come back for what waits (null: nothing waits). Logs
   * each channel of a notification as it finishes, and drops the notifications finished on all.
   */
  async deliver<Entry extends OutboxEntry>(
    outbox: Outbox<Entry>,
    lease: { lost: boolean },
    leaseLostRetryMs: number,
  ): Promise<number | null> {
    const finishedNow = new Set<string>();
    let retryAtMs: number | null = null;
    for (const channel of CHANNELS) {
      const next = await this.deliverChannel(outbox, channel, lease, leaseLostRetryMs, finishedNow);
      if (next !== null) retryAtMs = Math.min(retryAtMs ?? next, next);
    }
    await this.logFinished(outbox.entries, finishedNow);
    const left = outbox.entries.filter((entry) => !entry.deliveries.every((delivery) => delivery.done));
    if (left.length !== outbox.entries.length) {
      outbox.keep(left);
      await outbox.save();
    }
    return retryAtMs;
  }

  private async deliverChannel<Entry extends OutboxEntry>(
    outbox: Outbox<Entry>,
    channel: DeliveryChannel,
    lease: { lost: boolean },
    leaseLostRetryMs: number,
    finishedNow: Set<string>,
  ): Promise<number | null> {
    for (const entry of outbox.entries) {
      const deliveries = entry.deliveries.filter((delivery) => delivery.channel === channel);
      for (const delivery of deliveries) {
        if (delivery.done) continue;
        // Another notifier may hold the server now: leave the rest to it, and look again soon.
        if (lease.lost) return this.options.now() + leaseLostRetryMs;
        if (delivery.retryAtMs !== undefined && delivery.retryAtMs > this.options.now())
          return delivery.retryAtMs;
        const retryAtMs = await this.attempt(outbox, entry, delivery);
        if (retryAtMs !== null) return retryAtMs;
        if (deliveries.every((one) => one.done)) finishedNow.add(finishedKey(entry, channel));
      }
    }
    return null;
  }

  /** One attempt at one delivery; returns when to try again after a retriable failure, else null. */
  private async attempt<Entry extends OutboxEntry>(
    outbox: Outbox<Entry>,
    entry: Entry,
    delivery: Delivery,
  ): Promise<number | null> {
    const { metrics, logger } = this.options;
    try {
      await outbox.send(entry, delivery);
    } catch (caught) {
      const error = unrecognisedDeliveryError(caught);
      const context = { err: error, notification: entry.id, channel: delivery.channel, reason: error.reason };
      if (error.retriable) {
        const attempts = (delivery.attempts ?? 0) + 1;
        const delayMs = Math.min(1000 * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
        const retryAtMs = this.options.now() + delayMs;
        Object.assign(delivery, { attempts, retryAtMs });
        metrics.notificationsFailed[delivery.channel] += 1;
        logger.warn(
          { ...context, attempts, retryInMs: delayMs },
          'notification not delivered yet; will retry',
        );
        await outbox.save();
        return retryAtMs;
      }
      this.countUndeliverable(delivery.channel, error);
      if (error.contentRejected && delivery.fallback === undefined) {
        logger.warn(context, 'notification refused for its content; sending a plain-text message instead');
        Object.assign(delivery, { failure: error.reason, fallback: 'pending', attempts: 0 });
        delete delivery.retryAtMs;
        await outbox.save();
        return this.attempt(outbox, entry, delivery);
      }
      logger.warn(context, 'notification not delivered: permanent failure, not retried');
      if (delivery.fallback === 'pending') delivery.fallback = 'failed';
      else delivery.failure = error.reason;
      this.finish(delivery);
      await outbox.save();
      return null;
    }
    if (delivery.fallback === 'pending') delivery.fallback = 'sent';
    this.finish(delivery);
    metrics.notificationsSent[delivery.channel] += 1;
    await outbox.save();
    return null;
  }

  private finish(delivery: Delivery): void {
    delivery.done = true;
    delivery.finishedAt = new Date(this.options.now()).toISOString();
    delete delivery.retryAtMs;
  }

  private countUndeliverable(channel: DeliveryChannel, error: DeliveryError): void {
    const byReason = this.options.metrics.notificationsUndeliverable[channel];
    byReason[error.reason] = (byReason[error.reason] ?? 0) + 1;
  }

  /**
   * Logs each channel that finished now, and every channel of a notification finished on all of
   * them, marking its events done (they are not queued again). Writing an entry twice writes the
   * same line, so a crash before the finished entry is dropped only repeats this.
   */
  private async logFinished(
    entries: readonly OutboxEntry[],
    finishedNow: ReadonlySet<string>,
  ): Promise<void> {
    for (const entry of entries) {
      const finished = entry.deliveries.every((delivery) => delivery.done);
      const lines: Record<string, LogEntry> = {};
      for (const channel of CHANNELS) {
        if (!finished && !finishedNow.has(finishedKey(entry, channel))) continue;
        const line = channelLogEntry(entry, channel);
        // Deliveries stored before they kept their time were finished about now.
        if (line !== null)
          lines[channel] = { ...line, at: line.at || new Date(this.options.now()).toISOString() };
      }
      if (!finished && Object.keys(lines).length === 0) continue;
      await this.options.store.record(
        entry.eventIds.length > 0 ? entry.eventIds : [entry.id],
        lines,
        finished,
      );
    }
  }
}

function finishedKey(entry: OutboxEntry, channel: DeliveryChannel): string {
  return `${entry.id} ${channel}`;
}

/** The log line of a channel whose deliveries of this notification are all finished; else null. */
export function channelLogEntry(entry: OutboxEntry, channel: DeliveryChannel): LogEntry | null {
  const deliveries = entry.deliveries.filter((delivery) => delivery.channel === channel);
  if (deliveries.length === 0 || deliveries.some((delivery) => !delivery.done)) return null;
  const at =
    deliveries
      .map((delivery) => delivery.finishedAt ?? '')
      .sort()
      .at(-1) ?? '';
  const failed = deliveries.find((delivery) => delivery.failure !== undefined);
  if (failed?.failure === undefined) return { outcome: 'sent', by: entry.id, at };
  return {
    outcome: 'failed',
    by: entry.id,
    at,
    reason: failed.failure,
    ...(failed.fallback === 'sent' || failed.fallback === 'failed' ? { fallback: failed.fallback } : {}),
  };
}
