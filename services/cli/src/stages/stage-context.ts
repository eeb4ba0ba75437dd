import type { BudgetwatchConfig } from '@budgetwatch/config';
import type { Policy } from '@budgetwatch/domain';
import type { Logger } from '@budgetwatch/logger';
import type { Telemetry } from '@budgetwatch/telemetry';
import type { LiveInventory } from './live-inventory.js';

/** What every stage of `start` shares: the configuration, policy, inventory, logger, telemetry. */
export interface StageContext {
  config: BudgetwatchConfig;
  policy: Policy;
  /** The inventory, and the file it follows (none: fixed). */
  inventory: LiveInventory;
  inventoryFile: string | undefined;
  logger: Logger;
  telemetry: Telemetry;
  /** Generate demo traffic into the span intake. */
  demo: boolean;
}
