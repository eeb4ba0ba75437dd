import { createHash } from 'node:crypto';
import type { Tier } from '@budgetwatch/domain';
import {
  type BudgetwatchEvent,
  type CrsGateData,
  type CrsGateEvent,
  type EventOfType,
  isCrsGateEvent,
  type ResponderContext,
  UNREGISTERED,
  type UnregisteredServerEvent,
} from '@budgetwatch/events';
import type { Delivery, DeliveryChannel, Route } from './incident.js';
import { type RoutingConfig, routeFor } from './routing.js';
import { mutingSilence, type Silence } from './silence.js';

/**
 * Something about a server's rollout people must hear of, outside any incident: an MCP server
 * agents call that the inventory does not list, its expansion halted or resumed by the
 * Control-Plane Risk Score gate, or its kill switch engaged or released by an operator.
 */
export type Notice =
  | { kind: 'unregistered'; eventId: string; tools: string[]; detectedAt: string }
  | { kind: 'expansion_halted' | 'expansion_resumed'; eventId: string; crs: CrsGateData['crs']; at: string }
  | {
      kind: 'kill_switch_engaged' | 'kill_switch_released';
      eventId: string;
      /** Free text from the operator's request. */
      actor: string;
      reason: string;
      at: string;
    };

/** A rollout notice decided and waiting to be (or being) delivered: a message of its own. */
export interface PlannedNotice {
  /** `ntc-<hash of its first event id>`: stable across retries and restarts. */
  id: string;
  server: string;
  tier: Tier | null;
  route: Route;
  /** What it tells, in the order the events were published (one server's, within one group wait). */
  notices: Notice[];
  eventIds: string[];
  deliveries: Delivery[];
  plannedAt: string;
}

type KillSwitchEvent = EventOfType<'killswitch.engaged' | 'killswitch.released'>;

/** Events that become notices, not alerts of an incident. */
export type NoticeEvent = UnregisteredServerEvent | CrsGateEvent | KillSwitchEvent;

export function isNoticeEvent(event: BudgetwatchEvent): event is NoticeEvent {
  return (
    event.type === 'budgetwatch.inventory.unregistered' || isCrsGateEvent(event) || isKillSwitchEvent(event)
  );
}

function isKillSwitchEvent(event: BudgetwatchEvent): event is KillSwitchEvent {
  return event.type === 'budgetwatch.killswitch.engaged' || event.type === 'budgetwatch.killswitch.released';
}

export interface NoticePlanOptions {
  routing: RoutingConfig;
  /** A server's owner and tier from the inventory (the CRS gate's events do not carry them). */
  responderOf: (server: string) => ResponderContext;
  channels: Readonly<Record<DeliveryChannel, boolean>>;
}

export interface NoticePlan {
  /** One notice message per route (in practice one: a server's notices share its route). */
  planned: PlannedNotice[];
  /** Notice events a silence kept from being sent. */
  muted: { id: string; silenceId: string }[];
}

/**
 * What one server's notice events, pending together, make: an unregistered server goes to the
 * default route (it has no owner), an expansion halt or resumption and a kill switch to the
 * owner's route. A halt or an unregistered server is silenced like a breach (matchers on server,
 * rule `crs-gate` or `inventory-unregistered`, and tier); a resumption, like a resolution, always
 * goes out, and so does a kill switch: every call to the server is blocked, or flows again.
 */
export function planNotices(
  input: {
    events: readonly NoticeEvent[];
    /** Notices still being delivered: a re-published copy of one of their events is not told again. */
    delivering: readonly PlannedNotice[];
    silences: readonly Silence[];
    nowMs: number;
  },
  options: NoticePlanOptions,
): NoticePlan {
  const { silences, nowMs } = input;
  const told = new Set(input.delivering.flatMap((notice) => notice.eventIds));
  const muted: NoticePlan['muted'] = [];
  const byRoute = new Map<
    string,
    { route: Route; tier: Tier | null; server: string; events: NoticeEvent[] }
  >();
  for (const event of input.events) {
    if (told.has(event.id)) continue;
    const server = event.data.server;
    const responder =
      event.type === 'budgetwatch.inventory.unregistered' ? UNREGISTERED : options.responderOf(server);
    if (event.type !== 'budgetwatch.expansion.resumed' && !isKillSwitchEvent(event)) {
      const target = { server, tool: null, rule: event.data.rule, tier: responder.tier };
      const silence = mutingSilence(silences, target, nowMs);
      if (silence !== undefined) {
        muted.push({ id: event.id, silenceId: silence.id });
        continue;
      }
    }
    const route = routeFor(responder, options.routing);
    const key = JSON.stringify(route);
    const group = byRoute.get(key) ?? { route, tier: responder.tier, server, events: [] };
    group.events.push(event);
    byRoute.set(key, group);
  }
  const plannedAt = new Date(nowMs).toISOString();
  const planned = [...byRoute.values()].map(
    (group): PlannedNotice => ({
      id: `ntc-${createHash('sha256')
        .update(group.events[0]?.id ?? '')
        .digest('hex')
        .slice(0, 16)}`,
      server: group.server,
      tier: group.tier,
      route: group.route,
      notices: group.events.map(noticeOf),
      eventIds: group.events.map((event) => event.id),
      deliveries: [
        ...(group.route.slackChannel !== null && options.channels.slack
          ? [{ channel: 'slack' as const, action: 'post' as const, done: false }]
          : []),
        ...(group.route.emails.length > 0 && options.channels.email
          ? [{ channel: 'email' as const, done: false }]
          : []),
      ],
      plannedAt,
    }),
  );
  return { planned, muted };
}

function noticeOf(event: NoticeEvent): Notice {
  if (event.type === 'budgetwatch.inventory.unregistered') {
    return {
      kind: 'unregistered',
      eventId: event.id,
      tools: [...event.data.tools],
      detectedAt: event.data.detectedAt,
    };
  }
  if (isKillSwitchEvent(event)) {
    return {
      kind: event.type === 'budgetwatch.killswitch.engaged' ? 'kill_switch_engaged' : 'kill_switch_released',
      eventId: event.id,
      actor: event.data.actor,
      reason: event.data.reason,
      at: event.time,
    };
  }
  return {
    kind: event.type === 'budgetwatch.expansion.halted' ? 'expansion_halted' : 'expansion_resumed',
    eventId: event.id,
    crs: event.data.crs,
    at: event.time,
  };
}
