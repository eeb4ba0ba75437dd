export {
  type ActionData,
  type BudgetTransitionData,
  type BudgetwatchEvent,
  EVALUATOR_SOURCE,
  eventKey,
  type ResponderContext,
  type TransitionInput,
  transitionEvents,
  UNREGISTERED,
} from './budget-events.js';
export type { CloudEvent } from './cloud-event.js';
export { type CrsGateData, type CrsGateInput, crsGateEvent } from './crs-events.js';
export {
  ACTION_EVENT_TYPES,
  type ActionEventType,
  BUDGET_EVENT_TYPES,
  type BudgetEventType,
  cloudEventType,
  EVENT_TYPES,
  type EventType,
  INVENTORY_EVENT_TYPES,
  type InventoryEventType,
} from './event-types.js';
export {
  UNREGISTERED_RULE,
  type UnregisteredServerData,
  unregisteredServerEvent,
} from './inventory-events.js';
export { inventoryResponders, responderContextOf } from './inventory-responder.js';
export { type ParsedEvent, parseBudgetwatchEvent } from './parse-event.js';
export { type TransitionPosition, transitionKey } from './transition-key.js';
