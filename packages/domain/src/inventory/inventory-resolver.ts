import { type AttributeBag, matches } from '../tool-calls/attribute-matcher.js';
import type { InventoryResolver } from '../tool-calls/server-identity.js';
import type { Inventory } from './inventory.js';

/**
 * Which inventory server a span belongs to: the first server (in file order) whose match rules
 * all hold; else the server whose id is the span's derived server id; else none (unregistered).
 */
export function inventoryResolver(inventory: Inventory): InventoryResolver {
  const withRules = inventory.servers.filter((server) => server.match.length > 0);
  const ids = new Set(inventory.servers.map((server) => server.id));
  return (span: AttributeBag, resource: AttributeBag, derivedId: string | undefined) => {
    for (const server of withRules) {
      if (server.match.every((matcher) => matches(matcher, span, resource))) return server.id;
    }
    return derivedId !== undefined && ids.has(derivedId) ? derivedId : undefined;
  };
}
