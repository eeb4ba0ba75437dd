import type { DeliveryChannel } from '@budgetwatch/alerting';

export interface NotifierMetrics {
  eventsQueued: number;
  /** Redelivered events whose notifications were already finished. */
  eventsAlreadyNotified: number;
  deadLetters: number;
  dispatches: number;
  notificationsSent: Record<DeliveryChannel, number>;
  /** Attempts that failed and will be retried. */
  notificationsFailed: Record<DeliveryChannel, number>;
  /** Notifications given up on a channel after a permanent failure, by the failure's reason. */
  notificationsUndeliverable: Record<DeliveryChannel, Record<string, number>>;
  notificationsMuted: number;
}

export function emptyNotifierMetrics(): NotifierMetrics {
  return {
    eventsQueued: 0,
    eventsAlreadyNotified: 0,
    deadLetters: 0,
    dispatches: 0,
    notificationsSent: { slack: 0, email: 0 },
    notificationsFailed: { slack: 0, email: 0 },
    notificationsUndeliverable: { slack: {}, email: {} },
    notificationsMuted: 0,
  };
}
