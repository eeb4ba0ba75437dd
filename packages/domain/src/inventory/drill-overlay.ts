import type { Inventory } from './inventory.js';

/**
 * The inventory as the checks and the CRS read it: a passed drill counts as a kill-switch test,
 * so each server's `killSwitch.lastTestedAt` is the later of the file's date and its last passed
 * drill (server id -> ISO time).
 */
export function withDrillPasses(inventory: Inventory, passes: ReadonlyMap<string, string>): Inventory {
  if (passes.size === 0) return inventory;
  return {
    servers: inventory.servers.map((server) => {
      const passed = passes.get(server.id);
      const filed = server.killSwitch.lastTestedAt;
      if (passed === undefined || (filed !== null && Date.parse(filed) >= Date.parse(passed))) return server;
      return { ...server, killSwitch: { ...server.killSwitch, lastTestedAt: passed } };
    }),
  };
}
