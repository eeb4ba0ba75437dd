import {
  type Delivery,
  firingAlerts,
  type Incident,
  KIND_TITLES,
  type PlannedNotification,
  type PlannerOptions,
  plainTextFallback,
  planDispatch,
  renderEmailMessage,
  renderSlackMessage,
  type Silence,
  type SlackMessage,
} from '@budgetwatch/alerting';
import type { Logger } from '@budgetwatch/logger';
import { emptyNotifierMetrics, type NotifierMetrics } from './notifier-metrics.js';
import type { LogEntry, NotifierStore } from './notifier-store.js';
import { observeNotifierMetrics } from './notifier-telemetry.js';
import { OutboxDelivery } from './outbox-delivery.js';
import type { SilenceStore } from './silence-store.js';
import { misconfigured } from './sinks/delivery-error.js';
import type { EmailSender } from './sinks/email-sink.js';
import type { SlackPoster } from './sinks/slack-sink.js';

export type { NotifierMetrics } from './notifier-metrics.js';

export interface DispatcherOptions {
  store: NotifierStore;
  silences: SilenceStore;
  slack: SlackPoster | null;
  email: EmailSender | null;
  planner: PlannerOptions;
  groupWaitMs: number;
  dashboardUrl: string | null;
  messageIdDomain: string;
  logger: Logger;
  now?: () => number;
}

/**
 * A dispatch holds its server under a lock that lives this long unless renewed: a notifier that
 * dies mid-dispatch holds the server's notifications back this long at most.
 */
const LOCK_TTL_MS = 15_000;
/** The lock is renewed this often while a dispatch runs, however long a delivery takes. */
const LOCK_RENEW_MS = 5000;

/**
 * Sends what the planner decides, one server at a time under a lock: the decision and the outbox
 * are stored before anything is sent, and each delivery is marked done as it finishes, so a crash
 * or a failing sink delays notifications and never repeats one. A sink that refuses for good
 * (a permanent failure) is recorded and not retried; one that may recover is retried with backoff.
 */
export class Dispatcher {
  readonly metrics: NotifierMetrics = emptyNotifierMetrics();
  private readonly now: () => number;
  private readonly planner: PlannerOptions;
  private readonly outboxes: OutboxDelivery;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
    // Nothing is planned for a channel this notifier cannot send on.
    this.planner = {
      ...options.planner,
      channels: { slack: options.slack !== null, email: options.email !== null },
    };
    this.outboxes = new OutboxDelivery({
      store: options.store,
      metrics: this.metrics,
      logger: options.logger,
      now: this.now,
    });
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
        this.planner,
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

  /** Delivers the incident's outbox, each channel on its own; returns when to come back, else null. */
  private async deliverOutbox(
    serverKey: string,
    incident: Incident,
    lease: { lost: boolean },
  ): Promise<number | null> {
    const { store } = this.options;
    const retryAtMs = await this.outboxes.deliver(
      {
        entries: incident.outbox,
        send: (notification, delivery) => this.deliver(incident, notification, delivery),
        save: () => store.save(serverKey, incident),
      },
      lease,
      LOCK_RENEW_MS,
    );
    const left = incident.outbox.filter((notification) => !isFinished(notification));
    if (left.length !== incident.outbox.length) {
      incident.outbox = left;
      await store.save(serverKey, incident);
    }
    return retryAtMs;
  }

  private async deliver(
    incident: Incident,
    notification: PlannedNotification,
    delivery: Delivery,
  ): Promise<void> {
    const { slack, email, dashboardUrl } = this.options;
    // The full message was refused for its content: the minimal plain-text one goes instead.
    const fallback =
      delivery.fallback === 'pending'
        ? plainTextFallback({
            title: KIND_TITLES[notification.kind],
            server: incident.server,
            drill: incident.drill,
            reference: `incident ${incident.id}, notification ${notification.id}`,
            reason: delivery.failure ?? 'refused',
            dashboardUrl,
          })
        : null;
    if (delivery.channel === 'email') {
      if (email === null) throw misconfigured('not_configured');
      const message = renderEmailMessage(incident, notification, {
        dashboardUrl,
        messageIdDomain: this.options.messageIdDomain,
      });
      await email.send(
        incident.route.emails,
        fallback === null ? message : { ...message, text: fallback, html: '' },
      );
      incident.emailThread ??= message.messageId;
      return;
    }
    if (slack === null) throw misconfigured('not_configured');
    const channel = incident.route.slackChannel;
    if (channel === null) throw misconfigured('no_channel');
    const render = (edit: boolean): SlackMessage =>
      fallback === null
        ? renderSlackMessage(incident, notification, { dashboardUrl, edit })
        : { text: fallback, blocks: [] };
    if (delivery.action === 'edit') {
      if (incident.slack !== null) await slack.update(incident.slack, render(true));
      return;
    }
    if (delivery.action === 'reply' && incident.slack !== null) {
      await slack.post(incident.slack.channel, render(false), incident.slack.ts);
      return;
    }
    incident.slack = await slack.post(channel, render(false));
  }

  private channelEntries(entry: LogEntry): Record<string, LogEntry> {
    const entries: Record<string, LogEntry> = {};
    if (this.options.slack !== null) entries.slack = entry;
    if (this.options.email !== null) entries.email = entry;
    return entries;
  }
}

/** Every delivery finished: sent, or given up. */
function isFinished(notification: { deliveries: readonly Delivery[] }): boolean {
  return notification.deliveries.every((delivery) => delivery.done);
}
