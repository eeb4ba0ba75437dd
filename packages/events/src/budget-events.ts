import {
  ACTION_EVENTS,
  type Measurement,
  type Rule,
  type RuleLimits,
  type SeriesRef,
  type Tier,
  type Transition,
} from '@budgetwatch/domain';
import type { BudgetwatchEvent, EventDataByType } from './budgetwatch-event.js';
import type { CloudEvent } from './cloud-event.js';
import { type ActionEventType, type CloudEventType, cloudEventType, type EventType } from './event-types.js';
import { type TransitionPosition, transitionKey } from './transition-key.js';

export const EVALUATOR_SOURCE = 'budgetwatch/evaluator';

/** What a responder needs from the inventory; null until the server is registered. */
export interface ResponderContext {
  tier: Tier | null;
  owner: { team: string; email: string | null; slackChannel: string | null } | null;
  killSwitchOwner: string | null;
  fallbackMode: string | null;
  maxBlastRadius: string | null;
  recoveryChecklist: string[];
}

export const UNREGISTERED: ResponderContext = {
  tier: null,
  owner: null,
  killSwitchOwner: null,
  fallbackMode: null,
  maxBlastRadius: null,
  recoveryChecklist: [],
};

/** `data` of budgetwatch.budget.breached and .recovered. */
export interface BudgetTransitionData extends ResponderContext {
  rule: string;
  ruleDescription: string;
  metric: Rule['metric'];
  scope: 'tool' | 'server';
  server: string;
  tool: string | null;
  drill: boolean;
  windowMs: number;
  comparator: Rule['comparator'];
  /** latency_quantile only. */
  quantile: number | null;
  threshold: number;
  resolveThreshold: number;
  /** In the rule's units (ratio, or ms for latency); null without calls. */
  value: number | null;
  /** The exact counts the decision was made on: part of whole (e.g. failed of served calls). */
  part: number;
  whole: number;
  /** Which transition of this rule and series this is (1, 2, ...). */
  transition: number;
  evaluatedAt: string;
}

/** `data` of the action events (traffic.frozen, incident.opened, ...). */
export interface ActionData {
  rule: string;
  scope: 'tool' | 'server';
  server: string;
  tool: string | null;
  drill: boolean;
  /** The budget.breached or .recovered event that caused this action. */
  causedBy: string;
  fallbackMode: string | null;
  killSwitchOwner: string | null;
}

export interface TransitionInput {
  rule: Rule;
  limits: RuleLimits;
  series: SeriesRef;
  transition: Transition;
  /** The rule state right after this transition: it names the transition. */
  position: TransitionPosition;
  measurement: Measurement;
  responder: ResponderContext;
  evaluatedAtMs: number;
}

/**
 * The events of one rule transition: budget.breached (or .recovered) and then the action events
 * the rule asks for (an action without a resolve event, like audit.requested, only fires).
 */
export function transitionEvents(input: TransitionInput): BudgetwatchEvent[] {
  const { rule, series, transition } = input;
  const time = new Date(input.evaluatedAtMs).toISOString();
  const subject = series.tool === null ? series.server : `${series.server}/${series.tool}`;
  const idOf = (type: EventType) => `${transitionKey(rule.id, series, input.position)}/${type}`;
  const envelope = <Type extends EventType>(
    type: Type,
    data: EventDataByType[Type],
  ): CloudEvent<EventDataByType[Type], CloudEventType<Type>> => ({
    specversion: '1.0',
    id: idOf(type),
    source: EVALUATOR_SOURCE,
    type: cloudEventType(type),
    subject,
    time,
    datacontenttype: 'application/json',
    data,
  });

  const budgetType = transition === 'breached' ? 'budget.breached' : 'budget.recovered';
  const budget = envelope(budgetType, {
    rule: rule.id,
    ruleDescription: rule.description,
    metric: rule.metric,
    scope: series.tool === null ? 'server' : 'tool',
    server: series.server,
    tool: series.tool,
    drill: series.drill,
    windowMs: rule.windowMs,
    comparator: rule.comparator,
    quantile: rule.quantile ?? null,
    threshold: input.limits.threshold,
    resolveThreshold: input.limits.resolveThreshold,
    value: input.measurement.value,
    part: input.measurement.part,
    whole: input.measurement.whole,
    transition: input.position.transitions,
    evaluatedAt: time,
    ...input.responder,
  });

  const actions = rule.actions.flatMap((action): ActionEventType[] => {
    const pair = ACTION_EVENTS[action];
    const type = transition === 'breached' ? pair.fire : pair.resolve;
    return type === null ? [] : [type];
  });
  return [
    budget,
    ...actions.map((type) =>
      envelope(type, {
        rule: rule.id,
        scope: budget.data.scope,
        server: series.server,
        tool: series.tool,
        drill: series.drill,
        causedBy: budget.id,
        fallbackMode: input.responder.fallbackMode,
        killSwitchOwner: input.responder.killSwitchOwner,
      }),
    ),
  ];
}

/** The Kafka record key: the server id, so one server's events stay in order. */
export function eventKey(event: BudgetwatchEvent): string {
  return event.data.server;
}
