/** Every CloudEvent type Budgetwatch publishes so far, by the suffix after `budgetwatch.`. */
export const BUDGET_EVENT_TYPES = ['budget.breached', 'budget.recovered'] as const;

export const ACTION_EVENT_TYPES = [
  'traffic.frozen',
  'traffic.unfrozen',
  'concurrency.lowered',
  'concurrency.restored',
  'audit.requested',
  'incident.opened',
  'incident.resolved',
  'expansion.halted',
  'expansion.resumed',
] as const;

/** Inventory events: a server seen in spans that the inventory does not list. */
export const INVENTORY_EVENT_TYPES = ['inventory.unregistered'] as const;

/** Operator controls (docs/contract.md, "Operator controls"): a kill switch, a manual freeze, a lift. */
export const OPERATOR_EVENT_TYPES = [
  'killswitch.engaged',
  'killswitch.released',
  'freeze.set',
  'freeze.cleared',
  'freeze.lifted',
] as const;

export type BudgetEventType = (typeof BUDGET_EVENT_TYPES)[number];
export type InventoryEventType = (typeof INVENTORY_EVENT_TYPES)[number];
export type ActionEventType = (typeof ACTION_EVENT_TYPES)[number];
export type OperatorEventType = (typeof OPERATOR_EVENT_TYPES)[number];
export type EventType = BudgetEventType | ActionEventType | InventoryEventType | OperatorEventType;

export const EVENT_TYPES: readonly EventType[] = [
  ...BUDGET_EVENT_TYPES,
  ...ACTION_EVENT_TYPES,
  ...INVENTORY_EVENT_TYPES,
  ...OPERATOR_EVENT_TYPES,
];

/** The CloudEvents `type` attribute of a suffix: `budgetwatch.<suffix>`. */
export type CloudEventType<Type extends EventType = EventType> = `budgetwatch.${Type}`;

/** The CloudEvents `type` attribute: `budgetwatch.<suffix>`. */
export function cloudEventType<Type extends EventType>(type: Type): CloudEventType<Type> {
  return `budgetwatch.${type}`;
}
