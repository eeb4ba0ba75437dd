import {
  applicableChecks,
  type CrsBreakdown,
  type CrsScoring,
  controlPlaneRisk,
  type Inventory,
  type InventoryServer,
  liveBudgets,
  type Policy,
} from '@budgetwatch/domain';
import type { WindowReader } from '@budgetwatch/window-store';

/** What the CRS needs beyond the windows: the inventory and how to score. */
export interface CrsOptions {
  inventory: Inventory;
  scoring: CrsScoring;
  killSwitchMaxAgeDays: number;
}

/**
 * A server's Control-Plane Risk Score from its inventory entry and the live windows of its rollup:
 * the budgets its rules (with the tier's limits) use feed R, and the unexpected-block rule's also A.
 */
export async function serverCrs(
  server: InventoryServer,
  policy: Policy,
  windows: WindowReader,
  options: Pick<CrsOptions, 'scoring' | 'killSwitchMaxAgeDays'>,
  nowMs: number,
): Promise<CrsBreakdown> {
  const rollup = { server: server.id, tool: null, drill: false };
  const checks = await applicableChecks(
    policy,
    { server: server.id, scope: 'server', tier: server.tier },
    (windowMs) => windows.series(rollup, windowMs, nowMs, { quantiles: false }),
  );
  return controlPlaneRisk(
    { server, live: liveBudgets(checks), nowMs, killSwitchMaxAgeDays: options.killSwitchMaxAgeDays },
    options.scoring,
  );
}
