import type { RuleCheck } from '../rules/applicable-checks.js';
import { budgetConsumed } from './budget-consumption.js';
import type { LiveBudgets } from './control-plane-risk.js';

/** The rule id the A factor reads when the server's checks have no unexpected-block rule. */
const DEFAULT_BLOCKS_RULE = 'unexpected-policy-blocks';

/**
 * The live side of a server's CRS from the checks of its rollup: each budget rule's consumption
 * (R), and which of them counts unexpected blocks (A). The burn-rate warning is left out: it
 * watches a budget that is already counted.
 */
export function liveBudgets(checks: readonly RuleCheck[]): LiveBudgets {
  const consumed: Record<string, number> = {};
  let unexpectedBlocksRule: string | undefined;
  for (const check of checks) {
    if (check.kind !== 'budget') continue;
    consumed[check.rule.id] = budgetConsumed(check.rule, check.limits, check.measurement);
    if (check.rule.metric === 'unexpected_block_rate') unexpectedBlocksRule ??= check.rule.id;
  }
  return { consumed, unexpectedBlocksRule: unexpectedBlocksRule ?? DEFAULT_BLOCKS_RULE };
}
