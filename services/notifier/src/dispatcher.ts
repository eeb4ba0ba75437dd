import {
  type Delivery,
  firingAlerts,
  type Incident,
  type PlannedNotification,
  type PlannerOptions,
  planDispatch,
  renderEmailMessage,
  renderSlackMessage,
  type Silence,
} from '@budgetwatch/alerting';
import type { Logger } from '@budgetwatch/logger';
import type { LogEntry, NotifierStore } from './notifier-store.js';
import { observeNotifierMetrics } from './notifier-telemetry.js';
import type { SilenceStore } from './silence-store.js';
import type { EmailSink } from './sinks/email-sink.js';
import type { SlackSink } from './sinks/slack-sink.js';

export interface DispatcherOptions {
  store: NotifierStore;
  silences: SilenceStore;
  slack: SlackSink | null;
  email: EmailSink | null;
  planner: PlannerOptions;
  groupWaitMs: number;
  dashboardUrl: string | null;
  messageIdDomain: string;
  logger: Logger;
  now?: () => number;
}

export interface NotifierMetrics {
  eventsQueued: number;
  /** Redelivered events whose notifications were already finished. */
  eventsAlreadyNotified: number;
  deadLetters: number;
  dispatches: number;
  notificationsSent: { slack: number; email: number };
  notificationsFailed: { slack: number; email: number };
  notificationsMuted: number;
}

/**
 * A dispatch holds its server under a lock that lives this long unless renewed: a notifier that
 * dies mid-dispatch holds the server's notifications back this long at most.
 */
const LOCK_TTL_MS = 15_000;
/** The lock is renewed this often while a dispatch runs, however long a delivery takes. */
const LOCK_RENEW_MS = 5000;
const MAX_RETRY_DELAY_MS = 5 * 60_000;

/**
 * Sends what the planner decides, one server at a time under a lock: the decision and the outbox
 * are stored before anything is sent, and each delivery is marked done as it succeeds, so a crash
 * or a failing sink delays notifications and never repeats or drops one.
 */
export class Dispatcher {
  readonly metrics: NotifierMetrics = {
    eventsQueued: 0,
    eventsAlreadyNotified: 0,
    deadLetters: 0,
    dispatches: 0,
    notificationsSent: { slack: 0, email: 0 },
    notificationsFailed: { slack: 0, email: 0 },
    notificationsMuted: 0,
  };
  private readonly now: () => number;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
    observeNotifierMetrics(this.metrics);
  }

  /** Dispatches every server that is due; returns how many. */
  async dispatchDue(limit = 100): Promise<number> {
    const due = await this.dueServers(limit);
    await this.dispatchServers(due);
    return due.length;
  }

  /** The servers whose dispatch is due now (group wait over, repeat or retry time reached). */
  dueServers(limit = 100): Promise<string[]> {
    return this.options.store.dueServers(this.now(), limit);
  }

  async dispatchServers(serverKeys: readonly string[]): Promise<void> {
    if (serverKeys.length === 0) return;
    const silences = await this.options.silences.active();
    for (const serverKey of serverKeys) await this.dispatch(serverKey, silences);
  }

  async dispatch(serverKey: string, silences: readonly Silence[]): Promise<void> {
    const { store } = this.options;
    const token = await store.lock(serverKey, LOCK_TTL_MS);
    if (token === null) {
      // Another notifier is on it; look again soon in case it dies.
      await store.schedule(serverKey, this.now() + 1000);
      return;
    }
    const lease = this.keepLock(serverKey, token);
    try {
      this.metrics.dispatches += 1;
      // Unscheduled before reading: an event queued from now on schedules the server again.
      await store.unschedule(serverKey);
      const { incident: stored, pending } = await store.load(serverKey);
      const nowMs = this.now();
      const plan = planDispatch(
        { incident: stored, events: pending.map((entry) => entry.event), silences, nowMs },
        this.options.planner,
      );
      const at = new Date(nowMs).toISOString();
      if (plan.incident !== stored || plan.applied.length > 0) {
        await store.save(serverKey, plan.incident, plan.applied);
      }
      if (plan.muted.length > 0) {
        this.metrics.notificationsMuted += plan.muted.length;
        for (const muted of plan.muted) {
          await store.record(
            [muted.id],
            this.channelEntries({ outcome: 'silenced', by: muted.silenceId, at }),
            true,
          );
        }
      }
      // Taken in without a notification of their own (an action of an alert already reported).
      const carried = new Set([...(plan.planned?.eventIds ?? []), ...plan.muted.map((muted) => muted.id)]);
      const quiet = plan.applied.filter((id) => !carried.has(id));
      await store.record(
        quiet,
        this.channelEntries({ outcome: 'not_notified', by: plan.incident?.id ?? '', at }),
        true,
      );

      let incident = plan.incident;
      let retryAtMs: number | null = null;
      if (incident !== null) {
        retryAtMs = await this.deliverOutbox(serverKey, incident, lease);
        if (incident.resolvedAt !== null && incident.outbox.length === 0) {
          await store.save(serverKey, null);
          incident = null;
        }
      }
      await this.scheduleNext(serverKey, incident, retryAtMs);
    } finally {
      lease.stop();
      await store.unlock(serverKey, token);
    }
  }

  /** Renews the server's lock on a timer until stopped; `lost` once another notifier may hold it. */
  private keepLock(serverKey: string, token: string): { lost: boolean; stop(): void } {
    const lease = { lost: false, stop: () => clearInterval(timer) };
    const timer = setInterval(() => {
      this.options.store.renewLock(serverKey, token, LOCK_TTL_MS).then(
        (renewed) => {
          if (!renewed && !lease.lost) {
            lease.lost = true;
            this.options.logger.warn({ server: serverKey }, 'dispatch lock lost; stopping this dispatch');
          }
        },
        (error: unknown) =>
          this.options.logger.warn({ err: error, server: serverKey }, 'dispatch lock not renewed'),
      );
    }, LOCK_RENEW_MS);
    timer.unref();
    return lease;
  }

  private async scheduleNext(
    serverKey: string,
    incident: Incident | null,
    retryAtMs: number | null,
  ): Promise<void> {
    const candidates: number[] = [];
    if (retryAtMs !== null) candidates.push(retryAtMs);
    if (incident !== null && firingAlerts(incident).length > 0 && incident.lastNotifiedAt !== null) {
      candidates.push(Date.parse(incident.lastNotifiedAt) + this.options.planner.repeatIntervalMs);
    }
    // Deferred events (a resolved incident still delivering) or events queued during this dispatch.
    if ((await this.options.store.pendingCount(serverKey)) > 0)
      candidates.push(this.now() + this.options.groupWaitMs);
    if (candidates.length > 0) await this.options.store.schedule(serverKey, Math.min(...candidates));
  }

  /** Delivers the outbox in order; returns when to retry if a delivery failed, else null. */
  private async deliverOutbox(
    serverKey: string,
    incident: Incident,
    lease: { lost: boolean },
  ): Promise<number | null> {
    const { store } = this.options;
    while (incident.outbox.length > 0) {
      const notification = incident.outbox[0] as PlannedNotification;
      for (const delivery of notification.deliveries) {
        if (delivery.done) continue;
        // Another notifier may hold the server now: leave the rest to it, and look again soon.
        if (lease.lost) return this.now() + LOCK_RENEW_MS;
        try {
          await this.deliver(incident, notification, delivery);
        } catch (error) {
          notification.attempts += 1;
          this.metrics.notificationsFailed[delivery.channel] += 1;
          const delayMs = Math.min(1000 * 2 ** (notification.attempts - 1), MAX_RETRY_DELAY_MS);
          this.options.logger.warn(
            {
              err: error,
              notification: notification.id,
              channel: delivery.channel,
              attempts: notification.attempts,
              retryInMs: delayMs,
            },
            'notification not delivered yet; will retry',
          );
          await store.save(serverKey, incident);
          return this.now() + delayMs;
        }
        delivery.done = true;
        this.metrics.notificationsSent[delivery.channel] += 1;
        await store.save(serverKey, incident);
      }
      const at = new Date(this.now()).toISOString();
      const ids = notification.eventIds.length > 0 ? notification.eventIds : [notification.id];
      const entries: Record<string, LogEntry> = {};
      for (const delivery of notification.deliveries)
        entries[delivery.channel] = { outcome: 'sent', by: notification.id, at };
      await store.record(ids, entries, true);
      incident.outbox = incident.outbox.slice(1);
      await store.save(serverKey, incident);
    }
    return null;
  }

  private async deliver(
    incident: Incident,
    notification: PlannedNotification,
    delivery: Delivery,
  ): Promise<void> {
    const { slack, email, dashboardUrl } = this.options;
    if (delivery.channel === 'email') {
      if (email === null) throw new Error('email is not configured');
      const message = renderEmailMessage(incident, notification, {
        dashboardUrl,
        messageIdDomain: this.options.messageIdDomain,
      });
      await email.send(incident.route.emails, message);
      incident.emailThread ??= message.messageId;
      return;
    }
    if (slack === null) throw new Error('Slack is not configured');
    const channel = incident.route.slackChannel;
    if (channel === null) throw new Error('no Slack channel on this route');
    if (delivery.action === 'edit') {
      if (incident.slack !== null) {
        await slack.update(
          incident.slack,
          renderSlackMessage(incident, notification, { dashboardUrl, edit: true }),
        );
      }
      return;
    }
    const message = renderSlackMessage(incident, notification, { dashboardUrl });
    if (delivery.action === 'reply' && incident.slack !== null) {
      await slack.post(incident.slack.channel, message, incident.slack.ts);
      return;
    }
    incident.slack = await slack.post(channel, message);
  }

  private channelEntries(entry: LogEntry): Record<string, LogEntry> {
    const entries: Record<string, LogEntry> = {};
    if (this.options.slack !== null) entries.slack = entry;
    if (this.options.email !== null) entries.email = entry;
    return entries;
  }
}
