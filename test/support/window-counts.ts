import type { WindowStore } from '@budgetwatch/window-store';
import { SERVERS, TOOLS } from './tool-call-records.js';

const TWO_HOURS = 2 * 3600_000;

/** What the windows of the deterministic span stream hold: per `server/tool`, and all servers' rollups. */
export interface WindowCounts {
  /** Only series that counted calls. */
  perTool: Record<string, { calls: number; errors: number }>;
  rolledUp: number;
}

/** Reads every tool series and server rollup of the stream over the last two hours. */
export async function readWindowCounts(store: WindowStore): Promise<WindowCounts> {
  const perTool: WindowCounts['perTool'] = {};
  let rolledUp = 0;
  for (const server of SERVERS) {
    for (const tool of TOOLS) {
      const window = await store.readWindow({ server, tool, drill: false }, TWO_HOURS, Date.now());
      if (window.calls > 0) perTool[`${server}/${tool}`] = { calls: window.calls, errors: window.errors };
    }
    rolledUp += (await store.readWindow({ server, tool: null, drill: false }, TWO_HOURS, Date.now())).calls;
  }
  return { perTool, rolledUp };
}
