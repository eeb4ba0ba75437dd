import type { Rule, Tier } from '@budgetwatch/domain';
import type { ResponderContext } from '@budgetwatch/events';

/** Where one incident's notifications go. */
export interface Route {
  /** Slack channel id or name; null: no Slack message. */
  slackChannel: string | null;
  /** Email recipients; empty: no email. */
  emails: string[];
  /** The server has no owner in the inventory: the message says so. */
  ownerless: boolean;
}

/** What a rule measured at a transition, for people to read. */
export interface Reading {
  metric: Rule['metric'];
  comparator: Rule['comparator'];
  quantile: number | null;
  value: number | null;
  threshold: number;
  resolveThreshold: number;
  windowMs: number;
  part: number;
  whole: number;
  at: string;
}

/** One budget (rule on a tool or server rollup) inside an incident. */
export interface Alert {
  /** `<rule>/<series id>`. */
  key: string;
  rule: string;
  ruleDescription: string;
  scope: 'tool' | 'server';
  server: string;
  tool: string | null;
  drill: boolean;
  status: 'firing' | 'resolved';
  /** The breach as measured; null when the notifier only saw the recovery. */
  breach: Reading | null;
  breachEventId: string | null;
  recovery: Reading | null;
  recoveryEventId: string | null;
  /** Action event types caused by this alert's transitions, in order (traffic.frozen...). */
  actions: string[];
  /** The silence that muted its breach, if one did. */
  silencedBy: string | null;
}

export type NotificationKind = 'opened' | 'updated' | 'repeat' | 'resolved';

/**
 * How far one delivery got. Each channel works through its own deliveries in order, with its own
 * attempts and backoff, so a channel that fails never holds the other back. The optional fields
 * are absent until they mean something (and in outboxes stored before they existed).
 */
export interface DeliveryProgress {
  /** Finished: sent, or given up after a permanent failure (`failure` says why). */
  done: boolean;
  /** When it finished (ISO). */
  finishedAt?: string;
  /** Retriable failures so far. */
  attempts?: number;
  /** After a retriable failure: not tried again before this time (ms since the epoch). */
  retryAtMs?: number;
  /** The permanent failure's reason (channel_not_found, smtp_550...): the full message is not sent. */
  failure?: string;
  /**
   * The full message was refused for its content: a minimal plain-text message goes instead,
   * `pending` until it is sent or fails too.
   */
  fallback?: 'pending' | 'sent' | 'failed';
}

/** One step of delivering a notification on one channel. */
export type Delivery =
  | ({ channel: 'slack'; action: 'post' | 'reply' | 'edit' } & DeliveryProgress)
  | ({ channel: 'email' } & DeliveryProgress);

export type DeliveryChannel = Delivery['channel'];

/** A notification decided and waiting to be (or being) delivered. */
export interface PlannedNotification {
  /** `<incident id>/<sequence>`: stable across retries, so a delivery is never repeated. */
  id: string;
  kind: NotificationKind;
  /** The events it reports (empty for a repeat). */
  eventIds: string[];
  /** Alert keys newly firing and newly resolved in this notification. */
  breached: string[];
  recovered: string[];
  /** The incident's alerts as they were when it was decided (rendering reads this). */
  alerts: Alert[];
  deliveries: Delivery[];
  plannedAt: string;
}

/**
 * Everything one server (production or drill) has firing, from its first breach until every
 * budget recovered: one Slack thread and one email thread.
 */
export interface Incident {
  id: string;
  server: string;
  drill: boolean;
  tier: Tier | null;
  responder: ResponderContext;
  route: Route;
  openedAt: string;
  resolvedAt: string | null;
  alerts: Alert[];
  /** The thread's first Slack message, once posted. */
  slack: { channel: string; ts: string } | null;
  /** The Message-ID of the thread's first email, once sent. */
  emailThread: string | null;
  /** Whether a Slack post / first email is already planned (later ones reply to it). */
  slackThreadPlanned: boolean;
  emailThreadPlanned: boolean;
  /** Notifications decided so far (names the next one). */
  sequence: number;
  /** When firing alerts were last notified (or their repeat last muted). */
  lastNotifiedAt: string | null;
  outbox: PlannedNotification[];
}

export function firingAlerts(incident: Pick<Incident, 'alerts'>): Alert[] {
  return incident.alerts.filter((alert) => alert.status === 'firing');
}
