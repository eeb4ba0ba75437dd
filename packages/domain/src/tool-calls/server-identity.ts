import type { AttributeBag } from './attribute-matcher.js';

/**
 * Resolves a span to an inventory server id, or undefined when it belongs to no registered server;
 * `derivedId` is the id its recognition profile gives, if any.
 */
export type InventoryResolver = (
  span: AttributeBag,
  resource: AttributeBag,
  derivedId: string | undefined,
) => string | undefined;

export const NO_INVENTORY: InventoryResolver = () => undefined;

/**
 * The server of calls nothing attributes: no server attribute, no inventory match, and not a
 * server-side span with a service.name. A reserved id, not a server: its calls are counted per
 * tool, and server-scoped rules, the CRS and unregistered-server notices skip it. The inventory
 * may not register it, and a span naming it is as unattributed as one naming nothing.
 */
export const UNATTRIBUTED_SERVER = '(unattributed)';

export function isUnattributed(server: string): boolean {
  return server === UNATTRIBUTED_SERVER;
}
