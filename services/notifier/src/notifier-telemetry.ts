import { observeCounts } from '@budgetwatch/telemetry';
import { metrics } from '@opentelemetry/api';
import type { NotifierMetrics } from './notifier-metrics.js';

/** The notifier's counters as OpenTelemetry instruments. */
export function observeNotifierMetrics(counters: NotifierMetrics): void {
  observeCounts('budgetwatch.notifier', [
    {
      name: 'budgetwatch.notifier.notifications_sent',
      description: 'Notifications delivered, by channel',
      read: () => counters.notificationsSent,
      label: 'channel',
    },
    {
      name: 'budgetwatch.notifier.notifications_failed',
      description: 'Notification attempts that failed and will be retried, by channel',
      read: () => counters.notificationsFailed,
      label: 'channel',
    },
    {
      name: 'budgetwatch.notifier.notifications_muted',
      description: 'Notifications a silence muted',
      read: () => counters.notificationsMuted,
    },
    {
      name: 'budgetwatch.notifier.events_queued',
      description: 'Events taken in for notification',
      read: () => counters.eventsQueued,
    },
    {
      name: 'budgetwatch.notifier.dead_letters',
      description: 'Unreadable event records sent to the dead-letter topic',
      read: () => counters.deadLetters,
    },
  ]);
  // Two labels, which observeCounts does not do: the reasons are a small set (sinks make them so).
  const undeliverable = metrics
    .getMeter('budgetwatch.notifier')
    .createObservableCounter('budgetwatch.notifier.notifications_undeliverable', {
      description: 'Notifications given up on a channel after a permanent failure, by channel and reason',
    });
  undeliverable.addCallback((result) => {
    for (const [channel, byReason] of Object.entries(counters.notificationsUndeliverable)) {
      for (const [reason, total] of Object.entries(byReason)) result.observe(total, { channel, reason });
    }
  });
}
