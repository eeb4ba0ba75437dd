import type { BudgetwatchConfig } from '@budgetwatch/config';
import type { Inventory, Policy } from '@budgetwatch/domain';
import type { Logger } from '@budgetwatch/logger';
import type { Telemetry } from '@budgetwatch/telemetry';

/** What every stage of `start` shares: the configuration, policy, inventory, logger, telemetry. */
export interface StageContext {
  config: BudgetwatchConfig;
  policy: Policy;
  inventory: Inventory;
  logger: Logger;
  telemetry: Telemetry;
  /** Generate demo traffic into the span intake. */
  demo: boolean;
}
