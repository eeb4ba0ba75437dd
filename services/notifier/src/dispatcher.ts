import {
  acknowledgementLogId,
  type Delivery,
  type FallbackSubject,
  firingAlerts,
  type Incident,
  KIND_TITLES,
  noticeTitle,
  type PlannedNotice,
  type PlannedNotification,
  type PlannerOptions,
  plainTextFallback,
  planDispatch,
  renderEmailMessage,
  renderNoticeEmailMessage,
  renderNoticeSlackMessage,
  renderSlackMessage,
  type Silence,
  type SlackMessage,
} from '@budgetwatch/alerting';
import type { Logger } from '@budgetwatch/logger';
import { emptyNotifierMetrics, type NotifierMetrics } from './notifier-metrics.js';
import type { LogEntry, NotifierStore, ServerOutboxes } from './notifier-store.js';
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
      const { incident: stored, notices: delivering, pending } = await store.load(serverKey);
      const nowMs = this.now();
      const acknowledged = await this.isAcknowledged(stored);
      const plan = planDispatch(
        {
          incident: stored,
          notices: delivering,
          events: pending.map((entry) => entry.event),
          silences,
          nowMs,
          acknowledged,
        },
        this.planner,
      );
      const at = new Date(nowMs).toISOString();
      const outboxes: ServerOutboxes = { incident: plan.incident, notices: [...delivering, ...plan.notices] };
      if (plan.incident !== stored || plan.applied.length > 0) {
        await store.save(serverKey, outboxes, plan.applied);
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
      const carried = new Set([
        ...(plan.planned?.eventIds ?? []),
        ...plan.notices.flatMap((notice) => notice.eventIds),
        ...plan.muted.map((muted) => muted.id),
      ]);
      const quiet = plan.applied.filter((id) => !carried.has(id));
      await store.record(
        quiet,
        this.channelEntries({ outcome: 'not_notified', by: plan.incident?.id ?? '', at }),
        true,
      );

      const retries = [
        await this.deliverIncident(serverKey, outboxes, lease),
        await this.deliverNotices(serverKey, outboxes, lease),
      ].filter((retryAtMs): retryAtMs is number => retryAtMs !== null);
      const incident = outboxes.incident;
      if (incident !== null && incident.resolvedAt !== null && incident.outbox.length === 0) {
        outboxes.incident = null;
        await store.save(serverKey, outboxes);
      }
      await this.scheduleNext(
        serverKey,
        acknowledged && outboxes.incident?.id === stored?.id ? null : outboxes.incident,
        retries.length === 0 ? null : Math.min(...retries),
      );
    } finally {
      lease.stop();
      await store.unlock(serverKey, token);
    }
  }

  /** Whether someone acknowledged the incident (from Slack): then it is not repeated. */
  private async isAcknowledged(incident: Incident | null): Promise<boolean> {
    if (incident === null || incident.resolvedAt !== null) return false;
    const log = await this.options.store.log(acknowledgementLogId(incident.id));
    return log.acknowledged !== undefined;
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
  private async deliverIncident(
    serverKey: string,
    outboxes: ServerOutboxes,
    lease: { lost: boolean },
  ): Promise<number | null> {
    const incident = outboxes.incident;
    if (incident === null) return null;
    return this.outboxes.deliver(
      {
        entries: incident.outbox,
        send: (notification, delivery) => this.deliver(incident, notification, delivery),
        keep: (left) => {
          incident.outbox = left;
        },
        save: () => this.options.store.save(serverKey, outboxes),
      },
      lease,
      LOCK_RENEW_MS,
    );
  }

  /** Delivers the server's rollout notices, each a message of its own; returns when to come back. */
  private deliverNotices(
    serverKey: string,
    outboxes: ServerOutboxes,
    lease: { lost: boolean },
  ): Promise<number | null> {
    return this.outboxes.deliver(
      {
        entries: outboxes.notices,
        send: (notice, delivery) => this.deliverNotice(notice, delivery),
        keep: (left) => {
          outboxes.notices = left;
        },
        save: () => this.options.store.save(serverKey, outboxes),
      },
      lease,
      LOCK_RENEW_MS,
    );
  }

  private async deliverNotice(notice: PlannedNotice, delivery: Delivery): Promise<void> {
    const { slack, email, dashboardUrl } = this.options;
    const fallback = this.fallbackText(delivery, {
      title: noticeTitle(notice),
      server: notice.server,
      drill: false,
      reference: `notice ${notice.id}`,
    });
    if (delivery.channel === 'email') {
      if (email === null) throw misconfigured('not_configured');
      const message = renderNoticeEmailMessage(notice, {
        dashboardUrl,
        messageIdDomain: this.options.messageIdDomain,
      });
      await email.send(
        notice.route.emails,
        fallback === null ? message : { ...message, text: fallback, html: '' },
      );
      return;
    }
    if (slack === null) throw misconfigured('not_configured');
    if (notice.route.slackChannel === null) throw misconfigured('no_channel');
    await slack.post(
      notice.route.slackChannel,
      fallback === null ? renderNoticeSlackMessage(notice, { dashboardUrl }) : { text: fallback, blocks: [] },
    );
  }

  private async deliver(
    incident: Incident,
    notification: PlannedNotification,
    delivery: Delivery,
  ): Promise<void> {
    const { slack, email, dashboardUrl } = this.options;
    const fallback = this.fallbackText(delivery, {
      title: KIND_TITLES[notification.kind],
      server: incident.server,
      drill: incident.drill,
      reference: `incident ${incident.id}, notification ${notification.id}`,
    });
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

  /** The minimal plain-text message once the full one was refused for its content, else null. */
  private fallbackText(
    delivery: Delivery,
    subject: Omit<FallbackSubject, 'reason' | 'dashboardUrl'>,
  ): string | null {
    if (delivery.fallback !== 'pending') return null;
    return plainTextFallback({
      ...subject,
      reason: delivery.failure ?? 'refused',
      dashboardUrl: this.options.dashboardUrl,
    });
  }

  private channelEntries(entry: LogEntry): Record<string, LogEntry> {
    const entries: Record<string, LogEntry> = {};
    if (this.options.slack !== null) entries.slack = entry;
    if (this.options.email !== null) entries.email = entry;
    return entries;
  }
}
