import type { Inventory, InventoryServer } from '@budgetwatch/domain';
import { type ResponderContext, UNREGISTERED } from './budget-events.js';

/** What an event carries about a registered server, for responders and routing. */
export function responderContextOf(server: InventoryServer): ResponderContext {
  return {
    tier: server.tier,
    owner: server.owner,
    killSwitchOwner: server.killSwitch.owner,
    fallbackMode: server.fallbackMode,
    maxBlastRadius: server.maxBlastRadius,
    recoveryChecklist: [...server.recoveryChecklist],
  };
}

/** Server id -> responder context from the inventory; unregistered servers get UNREGISTERED. */
export function inventoryResponders(inventory: Inventory): (server: string) => ResponderContext {
  const contexts = new Map(inventory.servers.map((server) => [server.id, responderContextOf(server)]));
  return (server) => contexts.get(server) ?? UNREGISTERED;
}
