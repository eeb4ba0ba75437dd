import { CRS_GATE_RULE } from '../crs/crs-gate.js';

/** The `rule` of operator events (kill switch, manual freeze, lift) and of the causes they set. */
export const OPERATOR_RULE = 'operator';

/** The `rule` of inventory.unregistered. */
export const UNREGISTERED_RULE = 'inventory-unregistered';

/**
 * Rule ids that name Budgetwatch's own event sources. A policy rule cannot take one: its events
 * and decision causes would be mistaken for the gate's, the inventory's or an operator's.
 */
export const RESERVED_RULE_IDS: ReadonlySet<string> = new Set([
  CRS_GATE_RULE,
  OPERATOR_RULE,
  UNREGISTERED_RULE,
]);
