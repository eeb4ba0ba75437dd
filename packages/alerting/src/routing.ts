import type { Tier } from '@budgetwatch/domain';
import type { ResponderContext } from '@budgetwatch/events';
import type { Route } from './incident.js';

export interface RouteTarget {
  slackChannel?: string | undefined;
  emails?: string[] | undefined;
}

/** Where notifications go when the inventory names no contact: per tier, then the default. */
export interface RoutingConfig {
  default: RouteTarget;
  tiers: Partial<Record<`${Tier}`, RouteTarget>>;
}

/**
 * The owner's own channel and email win; what the owner lacks comes from the tier's route, then the
 * default route. A server without an owner goes to the tier or default route, marked ownerless.
 */
export function routeFor(responder: ResponderContext, routing: RoutingConfig): Route {
  const tierRoute = responder.tier === null ? undefined : routing.tiers[`${responder.tier}`];
  const owner = responder.owner;
  const emails = owner?.email != null ? [owner.email] : (tierRoute?.emails ?? routing.default.emails ?? []);
  return {
    slackChannel: owner?.slackChannel ?? tierRoute?.slackChannel ?? routing.default.slackChannel ?? null,
    emails: [...emails],
    ownerless: owner === null,
  };
}
