import {
  type AdmissionVerdict,
  admittedCall,
  type OverflowCap,
  type PositionedCall,
} from '@budgetwatch/domain';
import type { AdmissionRequest, WindowStore } from './window-store.js';

export interface AdmittedCalls {
  /** The calls as they count: those of series not admitted are moved into overflow series. */
  entries: readonly PositionedCall[];
  /** Calls moved into overflow series, by the cap that kept them out. */
  overflow: Partial<Record<OverflowCap, number>>;
}

/**
 * Asks the store once per distinct tool series of a batch where its calls count, and moves the
 * calls of series not admitted into their overflow series. With every series admitted, the
 * batch's calls are returned as they are.
 */
export async function admitCalls(
  store: WindowStore,
  entries: readonly PositionedCall[],
): Promise<AdmittedCalls> {
  const requests: AdmissionRequest[] = [];
  // drill -> server -> tool -> request index: no string building per call.
  const byMode = [new Map<string, Map<string, number>>(), new Map<string, Map<string, number>>()];
  const requestOf = new Int32Array(entries.length);
  entries.forEach(({ call }, i) => {
    const servers = byMode[call.drill ? 1 : 0] as Map<string, Map<string, number>>;
    let tools = servers.get(call.server);
    if (tools === undefined) {
      tools = new Map();
      servers.set(call.server, tools);
    }
    let request = tools.get(call.tool);
    if (request === undefined) {
      request = requests.length;
      requests.push({
        series: { server: call.server, tool: call.tool, drill: call.drill },
        unregistered: call.unregistered,
      });
      tools.set(call.tool, request);
    }
    requestOf[i] = request;
  });
  const overflow: Partial<Record<OverflowCap, number>> = {};
  if (requests.length === 0) return { entries, overflow };
  const verdicts = await store.admitSeries(requests);
  if (verdicts.every((verdict) => verdict.kind === 'admitted')) return { entries, overflow };
  const admitted = entries.map((entry, i) => {
    const verdict = verdicts[requestOf[i] as number] as AdmissionVerdict;
    if (verdict.kind === 'admitted') return entry;
    overflow[verdict.cap] = (overflow[verdict.cap] ?? 0) + 1;
    return { call: admittedCall(entry.call, verdict), offset: entry.offset };
  });
  return { entries: admitted, overflow };
}
