import { OperatorView } from '@budgetwatch/api';
import type { BudgetwatchConfig } from '@budgetwatch/config';
import type { Inventory, Policy } from '@budgetwatch/domain';
import { RedisEventHistory, RedisRuleStateStore } from '@budgetwatch/evaluator';
import { RedisNotifierStore } from '@budgetwatch/notifier';
import type { RedisClient } from '@budgetwatch/redis';
import { RedisWindowStore, WindowReader } from '@budgetwatch/window-store';
import { scoreServers } from '../commands/crs-scorer.js';
import { inventoryWithDrills } from '../commands/inventory-with-drills.js';

type WithRedis = BudgetwatchConfig & { redis: NonNullable<BudgetwatchConfig['redis']> };

/**
 * What operators see, read from Redis: the windows, rule states and history the services write,
 * the inventory file as it is now (with passed drills) and the CRS from the live windows.
 */
export function redisOperatorView(
  config: WithRedis,
  redis: RedisClient,
  policy: Policy,
  /** The inventory as the process has it (default: the configured file, read at each call). */
  current?: () => Inventory,
): OperatorView {
  const thresholdsMs = config.ingest.latencyThresholdsMs;
  const store = new RedisWindowStore(redis, config.redis.keyPrefix, { thresholdsMs });
  const windows = new WindowReader(store, thresholdsMs);
  const maxAgeDays = config.inventory.killSwitchMaxAgeDays;
  return new OperatorView({
    policy,
    store,
    windows,
    states: new RedisRuleStateStore(redis, config.redis.keyPrefix),
    history: new RedisEventHistory(redis, config.redis.keyPrefix),
    notificationLog: new RedisNotifierStore(redis, config.redis.keyPrefix),
    inventory: () => inventoryWithDrills(config, redis, current?.()),
    crs: (inventory, servers) => scoreServers(inventory, windows, policy, maxAgeDays, servers),
  });
}
