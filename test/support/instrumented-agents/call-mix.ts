/**
 * The calls every instrumented agent makes, in this order: 50 calls on three tools of one MCP
 * server, 37 answered normally, 8 answered with an `isError: true` result and 5 answered with a
 * JSON-RPC error. The tests compare what Budgetwatch counted with these figures.
 */

/** How the fixture server answers a call: the tool's `outcome` argument. */
export type CallOutcome = 'ok' | 'isError' | 'protocolError';

export const FIXTURE_TOOLS = ['search_docs', 'create_ticket', 'get_weather'] as const;
export type FixtureTool = (typeof FIXTURE_TOOLS)[number];

export interface PlannedCall {
  /** The tool's name on the server: FIXTURE_TOOL_PREFIX, then the fixture tool. */
  tool: string;
  outcome: CallOutcome;
}

/**
 * The prefix of the tool names of this run (FIXTURE_TOOL_PREFIX, passed to the agent and the
 * server), so that runs against one Budgetwatch keep to series of their own.
 */
export function toolPrefix(): string {
  return process.env.FIXTURE_TOOL_PREFIX ?? '';
}

/** Calls per tool and outcome; 50 in all. */
const PLAN: Record<FixtureTool, Record<CallOutcome, number>> = {
  search_docs: { ok: 15, isError: 3, protocolError: 2 },
  create_ticket: { ok: 12, isError: 3, protocolError: 2 },
  get_weather: { ok: 10, isError: 2, protocolError: 1 },
};

/** The planned calls, outcomes interleaved so that no tool's failures come in one block. */
export function callMix(prefix = toolPrefix()): PlannedCall[] {
  const calls: PlannedCall[] = [];
  for (const tool of FIXTURE_TOOLS) {
    const counts = PLAN[tool];
    const outcomes: CallOutcome[] = [];
    for (const outcome of ['ok', 'isError', 'protocolError'] as const) {
      for (let i = 0; i < counts[outcome]; i++) outcomes.push(outcome);
    }
    // Every third call of a tool is a failure while failures remain: a fixed, readable order.
    const failures = outcomes.filter((outcome) => outcome !== 'ok');
    const oks = outcomes.filter((outcome) => outcome === 'ok');
    while (oks.length > 0 || failures.length > 0) {
      for (const outcome of [oks.shift(), oks.shift(), failures.shift()]) {
        if (outcome !== undefined) calls.push({ tool: `${prefix}${tool}`, outcome });
      }
    }
  }
  // Round-robin over the tools so that the three series fill up together.
  const byTool = FIXTURE_TOOLS.map((tool) => calls.filter((call) => call.tool === `${prefix}${tool}`));
  const mixed: PlannedCall[] = [];
  for (let i = 0; byTool.some((list) => i < list.length); i++) {
    for (const list of byTool) {
      const call = list[i];
      if (call !== undefined) mixed.push(call);
    }
  }
  return mixed;
}

/** Expected figures of the mix for one tool, or for all tools with `tool` omitted. */
export function planned(tool?: FixtureTool): Record<CallOutcome, number> & { calls: number } {
  const tools = tool === undefined ? FIXTURE_TOOLS : [tool];
  const totals = { ok: 0, isError: 0, protocolError: 0, calls: 0 };
  for (const name of tools) {
    for (const outcome of ['ok', 'isError', 'protocolError'] as const) {
      totals[outcome] += PLAN[name][outcome];
      totals.calls += PLAN[name][outcome];
    }
  }
  return totals;
}
