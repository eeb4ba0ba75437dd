import type { ActionData, BudgetTransitionData } from './budget-events.js';
import type { CloudEvent } from './cloud-event.js';
import type { CrsGateData } from './crs-events.js';
import {
  ACTION_EVENT_TYPES,
  type ActionEventType,
  BUDGET_EVENT_TYPES,
  type BudgetEventType,
  type CloudEventType,
  cloudEventType,
  type EventType,
  OPERATOR_EVENT_TYPES,
  type OperatorEventType,
} from './event-types.js';
import type { UnregisteredServerData } from './inventory-events.js';
import type { FreezeLiftData, OperatorData } from './operator-events.js';

/** What `data` holds for each event type; the JSON Schemas in `schemas/` are the full contract. */
export interface EventDataByType {
  'budget.breached': BudgetTransitionData;
  'budget.recovered': BudgetTransitionData;
  'traffic.frozen': ActionData;
  'traffic.unfrozen': ActionData;
  'concurrency.lowered': ActionData;
  'concurrency.restored': ActionData;
  'audit.requested': ActionData;
  'incident.opened': ActionData;
  'incident.resolved': ActionData;
  /** An action of the fallback-activation rule's transition, or the CRS gate's move (with `crs`). */
  'expansion.halted': ActionData | CrsGateData;
  'expansion.resumed': ActionData | CrsGateData;
  'inventory.unregistered': UnregisteredServerData;
  'killswitch.engaged': OperatorData;
  'killswitch.released': OperatorData;
  'freeze.set': OperatorData;
  'freeze.cleared': OperatorData;
  'freeze.lifted': FreezeLiftData;
}

/** The event of one type (or of each type of a union of them, as a union). */
export type EventOfType<Type extends EventType> = Type extends EventType
  ? CloudEvent<EventDataByType[Type], CloudEventType<Type>>
  : never;

/**
 * Every event on budgetwatch.events, discriminated by `type`: comparing `type` (or one of the
 * guards below) tells TypeScript what `data` holds, so no consumer casts it.
 */
export type BudgetwatchEvent = EventOfType<EventType>;
export type BudgetTransitionEvent = EventOfType<BudgetEventType>;
export type ActionEvent = EventOfType<ActionEventType>;
export type UnregisteredServerEvent = EventOfType<'inventory.unregistered'>;
/** expansion.halted or .resumed because a server's Control-Plane Risk Score crossed the threshold. */
export type CrsGateEvent = CloudEvent<CrsGateData, CloudEventType<'expansion.halted' | 'expansion.resumed'>>;

const BUDGET_TYPES: ReadonlySet<string> = new Set(BUDGET_EVENT_TYPES.map(cloudEventType));
const ACTION_TYPES: ReadonlySet<string> = new Set(ACTION_EVENT_TYPES.map(cloudEventType));
const OPERATOR_TYPES: ReadonlySet<string> = new Set(OPERATOR_EVENT_TYPES.map(cloudEventType));

/** budget.breached or budget.recovered. */
export function isBudgetTransitionEvent(event: BudgetwatchEvent): event is BudgetTransitionEvent {
  return BUDGET_TYPES.has(event.type);
}

/** An action a rule transition (or the CRS gate) asks for: traffic.frozen, expansion.halted... */
export function isActionEvent(event: BudgetwatchEvent): event is ActionEvent {
  return ACTION_TYPES.has(event.type);
}

/** expansion.halted or .resumed of the CRS gate (the fallback-activation rule's carry no score). */
export function isCrsGateEvent(event: BudgetwatchEvent): event is CrsGateEvent {
  return (
    (event.type === 'budgetwatch.expansion.halted' || event.type === 'budgetwatch.expansion.resumed') &&
    'crs' in event.data
  );
}

/** An operator's kill switch, manual freeze or lift (docs/contract.md, "Operator controls"). */
export function isOperatorEvent(event: BudgetwatchEvent): event is EventOfType<OperatorEventType> {
  return OPERATOR_TYPES.has(event.type);
}
