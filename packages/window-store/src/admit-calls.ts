import {
  type AdmissionVerdict,
  admittedCall,
  groupCallsBySeries,
  isUnattributed,
  type OverflowCap,
  type PositionedCall,
  type SeriesCalls,
} from '@budgetwatch/domain';
import type { AdmissionRequest, WindowStore } from './window-store.js';

export interface AdmittedCalls {
  /** The batch's calls by series, as they count: calls of series not admitted in overflow series. */
  groups: Map<string, SeriesCalls>;
  /** Calls moved into overflow series, by the cap that kept them out. */
  overflow: Partial<Record<OverflowCap, number>>;
}

/**
 * Groups a batch's calls by series and asks the store once per distinct tool series where its
 * calls count. With every series admitted (the steady state) that is the grouping alone; otherwise
 * the calls of the series kept out are moved into their overflow series and grouped again.
 */
export async function admitCalls(
  store: WindowStore,
  entries: readonly PositionedCall[],
): Promise<AdmittedCalls> {
  const groups = groupCallsBySeries(entries);
  const overflow: Partial<Record<OverflowCap, number>> = {};
  const toolGroups: SeriesCalls[] = [];
  const requests: AdmissionRequest[] = [];
  for (const group of groups.values()) {
    const first = group.entries[0];
    if (group.series.tool === null || first === undefined) continue;
    toolGroups.push(group);
    // Unattributed calls are no server: like a registered one, they are never folded into another.
    const unregistered = first.call.unregistered && !isUnattributed(group.series.server);
    requests.push({ series: group.series, unregistered });
  }
  if (requests.length === 0) return { groups, overflow };
  const verdicts = await store.admitSeries(requests);
  if (verdicts.every((verdict) => verdict.kind === 'admitted')) return { groups, overflow };

  const moved = new Map<PositionedCall, AdmissionVerdict>();
  toolGroups.forEach((group, i) => {
    const verdict = verdicts[i] as AdmissionVerdict;
    if (verdict.kind === 'admitted') return;
    overflow[verdict.cap] = (overflow[verdict.cap] ?? 0) + group.entries.length;
    for (const entry of group.entries) moved.set(entry, verdict);
  });
  const counted = entries.map((entry) => {
    const verdict = moved.get(entry);
    return verdict === undefined ? entry : { call: admittedCall(entry.call, verdict), offset: entry.offset };
  });
  return { groups: groupCallsBySeries(counted), overflow };
}
