export {
  type ActionData,
  type BudgetTransitionData,
  EVALUATOR_SOURCE,
  eventKey,
  type ResponderContext,
  type TransitionInput,
  transitionEvents,
  UNREGISTERED,
} from './budget-events.js';
export {
  type ActionEvent,
  type BudgetTransitionEvent,
  type BudgetwatchEvent,
  type CrsGateEvent,
  type EventDataByType,
  type EventOfType,
  isActionEvent,
  isBudgetTransitionEvent,
  isCrsGateEvent,
  isOperatorEvent,
  type UnregisteredServerEvent,
} from './budgetwatch-event.js';
export type { CloudEvent } from './cloud-event.js';
export { type CrsGateData, type CrsGateInput, crsGateEvent } from './crs-events.js';
export {
  DEFAULT_RESUMABLE_CHANGES,
  type DecisionChange,
  DecisionFeed,
  type DecisionListener,
  type Resumption,
} from './decisions/decision-feed.js';
export { type DecisionSubject, decisionKey, decisionSubjectOf } from './decisions/decision-key.js';
export {
  type DecisionRecord,
  decisionRecord,
  parseDecisionRecord,
  recordsToWrite,
} from './decisions/decision-record.js';
export {
  type ActiveDecision,
  DECISION_KINDS,
  DecisionBook,
  type DecisionCause,
  type DecisionKind,
  isSettled,
  type LiftedFreezes,
  positionOf,
  type SubjectDecisions,
} from './decisions/decision-state.js';
export { LiftExpiryTimer } from './decisions/lift-expiry-timer.js';
export {
  ACTION_EVENT_TYPES,
  type ActionEventType,
  BUDGET_EVENT_TYPES,
  type BudgetEventType,
  type CloudEventType,
  cloudEventType,
  EVENT_TYPES,
  type EventType,
  INVENTORY_EVENT_TYPES,
  type InventoryEventType,
  OPERATOR_EVENT_TYPES,
  type OperatorEventType,
} from './event-types.js';
export {
  UNREGISTERED_RULE,
  type UnregisteredServerData,
  unregisteredServerEvent,
} from './inventory-events.js';
export { inventoryResponders, responderContextOf } from './inventory-responder.js';
export {
  actorSchema,
  type FreezeLiftData,
  liftDurationSchema,
  MAX_ACTOR_LENGTH,
  MAX_LIFT_MS,
  MAX_REASON_LENGTH,
  MIN_LIFT_MS,
  OPERATOR_RULE,
  OPERATOR_SOURCE,
  type OperatorData,
  type OperatorEvent,
  type OperatorEventInput,
  type OperatorStamp,
  OperatorStamps,
  operatorEvent,
  operatorEventProblem,
  reasonSchema,
  subjectNameSchema,
} from './operator-events.js';
export { type ParsedEvent, parseBudgetwatchEvent } from './parse-event.js';
export { type TransitionPosition, transitionKey } from './transition-key.js';
