import { type BudgetwatchConfig, loadInventory } from '@budgetwatch/config';
import { type Inventory, withDrillPasses } from '@budgetwatch/domain';
import { RedisDrillResults } from '@budgetwatch/drills';
import type { RedisClient } from '@budgetwatch/redis';

/**
 * The inventory file (or `known`, an inventory already loaded) as the checks and the CRS see it:
 * with Redis, each server's last passed drill counts as its kill-switch test.
 */
export async function inventoryWithDrills(
  config: BudgetwatchConfig,
  redis: RedisClient | null,
  known?: Inventory,
): Promise<Inventory> {
  const inventory =
    known ??
    loadInventory(config.inventory.file === undefined ? {} : { file: config.inventory.file }).inventory;
  if (redis === null || config.redis === undefined) return inventory;
  return withDrillPasses(inventory, await new RedisDrillResults(redis, config.redis.keyPrefix).passTimes());
}
