import { observeCounts } from '@budgetwatch/telemetry';
import type { NotifierMetrics } from './dispatcher.js';

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
}
