import { createHash } from 'node:crypto';
import { seriesId } from '@budgetwatch/domain';
import {
  type BudgetTransitionData,
  type BudgetwatchEvent,
  isActionEvent,
  isBudgetTransitionEvent,
  type ResponderContext,
  UNREGISTERED,
} from '@budgetwatch/events';
import {
  type Alert,
  type Delivery,
  type DeliveryChannel,
  firingAlerts,
  type Incident,
  type NotificationKind,
  type PlannedNotification,
  type Reading,
} from './incident.js';
import { isNoticeEvent, type PlannedNotice, planNotices } from './notice.js';
import { type RoutingConfig, routeFor } from './routing.js';
import { mutingSilence, type Silence } from './silence.js';

export interface PlannerOptions {
  /** A still-firing incident is notified again this long after its last notification. */
  repeatIntervalMs: number;
  routing: RoutingConfig;
  /**
   * The channels the notifier can send on (default: both): nothing is planned for another, so a
   * route's Slack channel is no failure where only email is configured.
   */
  channels?: Readonly<Record<DeliveryChannel, boolean>>;
  /**
   * A server's owner and tier from the inventory, for notices whose events do not carry them (the
   * CRS gate's); default: none known, so they go to the default route.
   */
  responderOf?: (server: string) => ResponderContext;
}

export interface DispatchInput {
  incident: Incident | null;
  /** The server's rollout notices still being delivered. */
  notices?: readonly PlannedNotice[];
  /** Events of this server not yet applied, in the order they were published. */
  events: readonly BudgetwatchEvent[];
  silences: readonly Silence[];
  nowMs: number;
  /** Someone acknowledged the incident (from Slack): it is not repeated any more. */
  acknowledged?: boolean;
}

/** A notification a silence kept from being sent: recorded in the log instead. */
export interface MutedNotification {
  /** The event id (or, for a repeat, the notification id) it is recorded under. */
  id: string;
  silenceId: string;
}

export interface DispatchPlan {
  incident: Incident | null;
  /** What to send now (appended to the incident's outbox), if anything. */
  planned: PlannedNotification | null;
  muted: MutedNotification[];
  /** Events taken in (they may be removed from the pending queue). */
  applied: string[];
  /** Rollout notices to send now, each a message of its own (appended to the server's notices). */
  notices: PlannedNotice[];
}

/** What the server's incident makes of its events and of the time passed. */
type IncidentPlan = Omit<DispatchPlan, 'notices'>;

const ALL_CHANNELS: Readonly<Record<DeliveryChannel, boolean>> = { slack: true, email: true };

/**
 * Decides what one server's pending events (or the passing of time) mean: for its incident, which
 * alerts fire or resolve, which are muted by silences, and the one notification to send; and the
 * rollout notices to send beside it. Pure: the notifier stores the result and delivers the outboxes.
 */
export function planDispatch(input: DispatchInput, options: PlannerOptions): DispatchPlan {
  const noticeEvents = input.events.filter(isNoticeEvent);
  const incidentPlan = planIncident(
    { ...input, events: input.events.filter((event) => !isNoticeEvent(event)) },
    options,
  );
  if (noticeEvents.length === 0) return { ...incidentPlan, notices: [] };
  const notices = planNotices(
    { events: noticeEvents, delivering: input.notices ?? [], silences: input.silences, nowMs: input.nowMs },
    {
      routing: options.routing,
      responderOf: options.responderOf ?? (() => UNREGISTERED),
      channels: options.channels ?? ALL_CHANNELS,
    },
  );
  return {
    ...incidentPlan,
    notices: notices.planned,
    muted: [...incidentPlan.muted, ...notices.muted],
    // A notice never waits for the incident: it is taken in whatever state the incident is in.
    applied: [...incidentPlan.applied, ...noticeEvents.map((event) => event.id)],
  };
}

function planIncident(input: DispatchInput, options: PlannerOptions): IncidentPlan {
  const { events, silences, nowMs } = input;
  let incident = input.incident;
  // A resolved incident keeps its thread until its last notification is out; what follows waits.
  if (incident?.resolvedAt != null) {
    if (incident.outbox.length > 0) return { incident, planned: null, muted: [], applied: [] };
    incident = null;
  }
  if (events.length === 0) {
    if (input.acknowledged === true) return { incident, planned: null, muted: [], applied: [] };
    return planRepeat(incident, silences, nowMs, options);
  }

  const now = new Date(nowMs).toISOString();
  const current: Incident = incident ?? openIncident(events, now, options);
  const next: Incident = { ...current, alerts: current.alerts.map((alert) => ({ ...alert })) };
  const breached: Alert[] = [];
  const recovered: Alert[] = [];
  const muted: MutedNotification[] = [];
  for (const event of events) {
    if (isBudgetTransitionEvent(event)) {
      const data = event.data;
      const key = `${data.rule}/${seriesId({ server: data.server, tool: data.tool, drill: data.drill })}`;
      let alert = next.alerts.find((candidate) => candidate.key === key);
      if (event.type === 'budgetwatch.budget.breached') {
        if (alert?.breachEventId === event.id) continue;
        if (alert === undefined) {
          alert = newAlert(key, data);
          next.alerts.push(alert);
        }
        Object.assign(alert, {
          status: 'firing',
          breach: readingOf(data),
          breachEventId: event.id,
          recovery: null,
          recoveryEventId: null,
          actions: [],
          silencedBy: null,
        });
        const silence = mutingSilence(silences, { ...alert, tier: next.tier }, nowMs);
        if (silence === undefined) breached.push(alert);
        else {
          alert.silencedBy = silence.id;
          muted.push({ id: event.id, silenceId: silence.id });
        }
      } else {
        if (alert?.recoveryEventId === event.id) continue;
        if (alert === undefined) {
          alert = newAlert(key, data);
          next.alerts.push(alert);
        }
        Object.assign(alert, { status: 'resolved', recovery: readingOf(data), recoveryEventId: event.id });
        // Resolved notifications always go out, silenced or not.
        recovered.push(alert);
      }
    } else if (isActionEvent(event)) {
      const data = event.data;
      const alert = next.alerts.find(
        (candidate) =>
          candidate.breachEventId === data.causedBy || candidate.recoveryEventId === data.causedBy,
      );
      const action = event.type.replace(/^budgetwatch\./, '');
      if (alert !== undefined && !alert.actions.includes(action)) alert.actions.push(action);
      if (alert?.silencedBy != null && alert.status === 'firing') {
        muted.push({ id: event.id, silenceId: alert.silencedBy });
      }
    }
  }
  const applied = events.map((event) => event.id);
  const allResolved = next.alerts.every((alert) => alert.status === 'resolved');
  if (allResolved) next.resolvedAt = now;

  const reported = [...breached, ...recovered];
  if (reported.length === 0) {
    // Only muted breaches (or actions of already reported ones): nothing to send; a repeat is
    // due one interval from now.
    next.lastNotifiedAt ??= now;
    return { incident: next.alerts.length === 0 ? null : next, planned: null, muted, applied };
  }
  const threadStarted = next.slackThreadPlanned || next.emailThreadPlanned;
  const kind: NotificationKind = allResolved
    ? 'resolved'
    : !threadStarted && breached.length > 0
      ? 'opened'
      : 'updated';
  const reportedIds = new Set(reported.map((alert) => alert.key));
  const eventIds = events
    .filter((event) => !muted.some((entry) => entry.id === event.id))
    .filter((event) => reportedIds.has(alertKeyOf(event, next.alerts) ?? ''))
    .map((event) => event.id);
  const planned = plan(next, kind, eventIds, breached, recovered, now, options);
  return { incident: next, planned, muted, applied };
}

/**
 * A still-firing incident is repeated after the interval; muted if every firing alert is silenced.
 * A drill's incident is not: its series stay breached until the drill calls leave the 24h window,
 * and a reminder of a rehearsal every few hours is noise.
 */
function planRepeat(
  incident: Incident | null,
  silences: readonly Silence[],
  nowMs: number,
  options: PlannerOptions,
): IncidentPlan {
  if (incident === null || incident.drill) return { incident, planned: null, muted: [], applied: [] };
  const firing = firingAlerts(incident);
  const last =
    incident.lastNotifiedAt === null ? Number.NEGATIVE_INFINITY : Date.parse(incident.lastNotifiedAt);
  if (firing.length === 0 || nowMs - last < options.repeatIntervalMs) {
    return { incident, planned: null, muted: [], applied: [] };
  }
  const now = new Date(nowMs).toISOString();
  const next: Incident = { ...incident, alerts: incident.alerts.map((alert) => ({ ...alert })) };
  const audible = firingAlerts(next).filter(
    (alert) => mutingSilence(silences, { ...alert, tier: next.tier }, nowMs) === undefined,
  );
  if (audible.length === 0) {
    const silence = mutingSilence(silences, { ...(firing[0] as Alert), tier: next.tier }, nowMs);
    const id = `${next.id}/${next.sequence}`;
    return {
      incident: { ...next, sequence: next.sequence + 1, lastNotifiedAt: now },
      planned: null,
      muted: [{ id, silenceId: silence?.id ?? 'unknown' }],
      applied: [],
    };
  }
  return { incident: next, planned: plan(next, 'repeat', [], [], [], now, options), muted: [], applied: [] };
}

/** Appends the notification to the incident's outbox and moves its thread bookkeeping on. */
function plan(
  incident: Incident,
  kind: NotificationKind,
  eventIds: string[],
  breached: Alert[],
  recovered: Alert[],
  now: string,
  options: PlannerOptions,
): PlannedNotification {
  const channels = options.channels ?? ALL_CHANNELS;
  const deliveries: Delivery[] = [];
  if (incident.route.slackChannel !== null && channels.slack) {
    if (!incident.slackThreadPlanned) deliveries.push({ channel: 'slack', action: 'post', done: false });
    else {
      if (kind === 'resolved') deliveries.push({ channel: 'slack', action: 'edit', done: false });
      deliveries.push({ channel: 'slack', action: 'reply', done: false });
    }
    incident.slackThreadPlanned = true;
  }
  if (incident.route.emails.length > 0 && channels.email) {
    deliveries.push({ channel: 'email', done: false });
    incident.emailThreadPlanned = true;
  }
  const planned: PlannedNotification = {
    id: `${incident.id}/${incident.sequence}`,
    kind,
    eventIds,
    breached: breached.map((alert) => alert.key),
    recovered: recovered.map((alert) => alert.key),
    alerts: incident.alerts.map((alert) => ({ ...alert, actions: [...alert.actions] })),
    deliveries,
    plannedAt: now,
  };
  incident.sequence += 1;
  incident.lastNotifiedAt = now;
  incident.outbox = [...incident.outbox, planned];
  return planned;
}

function openIncident(events: readonly BudgetwatchEvent[], now: string, options: PlannerOptions): Incident {
  const first = events[0] as BudgetwatchEvent;
  const budget = events.find(isBudgetTransitionEvent);
  const responder: ResponderContext = budget === undefined ? UNREGISTERED : responderOf(budget.data);
  return {
    id: `inc-${createHash('sha256').update(first.id).digest('hex').slice(0, 16)}`,
    server: first.data.server,
    drill: first.data.drill,
    tier: responder.tier,
    responder,
    route: routeFor(responder, options.routing),
    openedAt: now,
    resolvedAt: null,
    alerts: [],
    slack: null,
    emailThread: null,
    slackThreadPlanned: false,
    emailThreadPlanned: false,
    sequence: 0,
    lastNotifiedAt: null,
    outbox: [],
  };
}

function responderOf(data: BudgetTransitionData): ResponderContext {
  return {
    tier: data.tier,
    owner: data.owner,
    killSwitchOwner: data.killSwitchOwner,
    fallbackMode: data.fallbackMode,
    maxBlastRadius: data.maxBlastRadius,
    recoveryChecklist: data.recoveryChecklist,
  };
}

function newAlert(key: string, data: BudgetTransitionData): Alert {
  return {
    key,
    rule: data.rule,
    ruleDescription: data.ruleDescription,
    scope: data.scope,
    server: data.server,
    tool: data.tool,
    drill: data.drill,
    status: 'firing',
    breach: null,
    breachEventId: null,
    recovery: null,
    recoveryEventId: null,
    actions: [],
    silencedBy: null,
  };
}

function readingOf(data: BudgetTransitionData): Reading {
  return {
    metric: data.metric,
    comparator: data.comparator,
    quantile: data.quantile,
    value: data.value,
    threshold: data.threshold,
    resolveThreshold: data.resolveThreshold,
    windowMs: data.windowMs,
    part: data.part,
    whole: data.whole,
    at: data.evaluatedAt,
  };
}

function alertKeyOf(event: BudgetwatchEvent, alerts: readonly Alert[]): string | undefined {
  if (isBudgetTransitionEvent(event)) {
    return alerts.find((alert) => alert.breachEventId === event.id || alert.recoveryEventId === event.id)
      ?.key;
  }
  if (!isActionEvent(event)) return undefined;
  const causedBy = event.data.causedBy;
  return alerts.find((alert) => alert.breachEventId === causedBy || alert.recoveryEventId === causedBy)?.key;
}
