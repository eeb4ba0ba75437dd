import type { BudgetwatchConfig } from '@budgetwatch/config';
import type { CrsBreakdown, Inventory, Policy } from '@budgetwatch/domain';
import { serverCrs } from '@budgetwatch/evaluator';
import type { RedisClient } from '@budgetwatch/redis';
import { RedisWindowStore, WindowReader } from '@budgetwatch/window-store';
import { inventoryWithDrills } from './inventory-with-drills.js';

/**
 * Scores registered servers from the live Redis windows, with passed drills counted as kill-switch
 * tests; the inventory file is read at each call (unless the caller has it), so an edit shows at
 * once. `server` narrows to one.
 */
export function crsScorer(
  config: BudgetwatchConfig & { redis: NonNullable<BudgetwatchConfig['redis']> },
  redis: RedisClient,
  policy: Policy,
): (server?: string, inventory?: Inventory) => Promise<CrsBreakdown[]> {
  const store = new RedisWindowStore(redis, config.redis.keyPrefix, {
    thresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const windows = new WindowReader(store, config.ingest.latencyThresholdsMs);
  return async (server, known) =>
    scoreServers(
      known ?? (await inventoryWithDrills(config, redis)),
      windows,
      policy,
      config.inventory.killSwitchMaxAgeDays,
      server === undefined ? undefined : [server],
    );
}

/** The CRS breakdown of each registered server (or of the `servers` named only), now. */
export async function scoreServers(
  inventory: Inventory,
  windows: WindowReader,
  policy: Policy,
  killSwitchMaxAgeDays: number,
  servers?: readonly string[],
): Promise<CrsBreakdown[]> {
  const now = Date.now();
  const wanted = servers === undefined ? undefined : new Set(servers);
  const scored: CrsBreakdown[] = [];
  for (const entry of inventory.servers.filter((candidate) => wanted?.has(candidate.id) ?? true)) {
    scored.push(await serverCrs(entry, policy, windows, { scoring: policy.crs, killSwitchMaxAgeDays }, now));
  }
  return scored;
}
