import {
  budgetConsumed,
  type CrsBreakdown,
  type CrsScoring,
  controlPlaneRisk,
  type Inventory,
  type InventoryServer,
  limitsFor,
  measure,
  type Policy,
  type WindowSummary,
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
 * each server-scoped rule's budget consumption (with the tier's limits) feeds R, and the
 * unexpected-block rule's also A.
 */
export async function serverCrs(
  server: InventoryServer,
  policy: Policy,
  windows: WindowReader,
  options: Pick<CrsOptions, 'scoring' | 'killSwitchMaxAgeDays'>,
  nowMs: number,
): Promise<CrsBreakdown> {
  const series = { server: server.id, tool: null, drill: false };
  const summaries = new Map<number, Promise<WindowSummary>>();
  const windowOf = (windowMs: number) => {
    let summary = summaries.get(windowMs);
    if (summary === undefined) {
      summary = windows.series(series, windowMs, nowMs, { quantiles: false });
      summaries.set(windowMs, summary);
    }
    return summary;
  };
  const consumed: Record<string, number> = {};
  for (const rule of policy.rules.filter((candidate) => candidate.scopes.includes('server'))) {
    const limits = limitsFor(rule, server.tier);
    consumed[rule.id] = budgetConsumed(rule, limits, measure(rule, limits, await windowOf(rule.windowMs)));
  }
  const blocksRule = policy.rules.find((rule) => rule.metric === 'unexpected_block_rate');
  return controlPlaneRisk(
    {
      server,
      live: { consumed, unexpectedBlocksRule: blocksRule?.id ?? 'unexpected-policy-blocks' },
      nowMs,
      killSwitchMaxAgeDays: options.killSwitchMaxAgeDays,
    },
    options.scoring,
  );
}
