import type { ToolCall } from '../tool-calls/tool-call.js';
import { OTHER_TOOL, OVERFLOW_SERVER } from './overflow-names.js';

/**
 * How many series the windows keep at most (docs/operations.md#cardinality-limits). Span names
 * are untrusted: without these, every new tool or server name would cost a series for a day.
 */
export interface CardinalityLimits {
  /** Tool series admitted on one server (drill series of a server are counted apart). */
  maxToolsPerServer: number;
  /** Tool series admitted in total, over every server. */
  maxToolSeries: number;
  /** Unregistered servers tracked at once; registered servers are always tracked. */
  maxUnregisteredServers: number;
}

/**
 * The in-memory windows' defaults: sized so that `budgetwatch start` on embedded defaults stays
 * under 512 MiB at the caps, even with a day of traffic in every series (measured:
 * docs/operations.md#cardinality-limits).
 */
export const IN_MEMORY_CARDINALITY_LIMITS: CardinalityLimits = {
  maxToolsPerServer: 100,
  maxToolSeries: 300,
  maxUnregisteredServers: 30,
};

/**
 * The Redis windows' defaults: a fleet's worth of series, whose memory is Redis's (about 35 KB a
 * series with a day of traffic in every minute, so about 400 MB at these caps), not the workers'.
 */
export const REDIS_CARDINALITY_LIMITS: CardinalityLimits = {
  maxToolsPerServer: 500,
  maxToolSeries: 10_000,
  maxUnregisteredServers: 500,
};

/** The caps a store applies: the ones configured, else its own defaults. */
export function cardinalityLimits(
  defaults: CardinalityLimits,
  configured: { readonly [Cap in keyof CardinalityLimits]?: number | undefined } = {},
): CardinalityLimits {
  return {
    maxToolsPerServer: configured.maxToolsPerServer ?? defaults.maxToolsPerServer,
    maxToolSeries: configured.maxToolSeries ?? defaults.maxToolSeries,
    maxUnregisteredServers: configured.maxUnregisteredServers ?? defaults.maxUnregisteredServers,
  };
}

/** Which cap kept a call out of its own series. */
export type OverflowCap = 'tools_per_server' | 'tool_series' | 'unregistered_servers';

/** Where one (server, tool) series' calls are counted. */
export type AdmissionVerdict =
  /** In their own series. */
  | { kind: 'admitted' }
  /** In their server's `OTHER_TOOL` series. */
  | { kind: 'other_tool'; cap: 'tools_per_server' | 'tool_series' }
  /** In `OVERFLOW_SERVER`'s `OTHER_TOOL` series. */
  | { kind: 'overflow_server'; cap: 'unregistered_servers' };

/** What the store knows when a series asks to be admitted. */
export interface AdmissionView {
  /** The tool series is admitted already. */
  seriesAdmitted: boolean;
  /** Tool series admitted on its server; null when the server is not tracked (yet, or any more). */
  serverTools: number | null;
  /** Whether its server is unregistered (not in the inventory). */
  unregistered: boolean;
  /** Tool series admitted over every server. */
  toolSeries: number;
  /** Unregistered servers tracked. */
  unregisteredServers: number;
}

/**
 * The admission decision, the same in every store (the Redis store's admit-series-1.lua mirrors
 * it, and the store contract tests both). An admitted series stays admitted until it is forgotten.
 * A server is tracked from its first call (its rollup and its `OTHER_TOOL` series count every call
 * of it), unless it is an unregistered one beyond the cap; then a new tool is admitted while both
 * its server and the total are under their caps.
 */
export function decideAdmission(view: AdmissionView, limits: CardinalityLimits): AdmissionVerdict {
  if (view.seriesAdmitted) return { kind: 'admitted' };
  if (
    view.serverTools === null &&
    view.unregistered &&
    view.unregisteredServers >= limits.maxUnregisteredServers
  ) {
    return { kind: 'overflow_server', cap: 'unregistered_servers' };
  }
  if ((view.serverTools ?? 0) >= limits.maxToolsPerServer)
    return { kind: 'other_tool', cap: 'tools_per_server' };
  if (view.toolSeries >= limits.maxToolSeries) return { kind: 'other_tool', cap: 'tool_series' };
  return { kind: 'admitted' };
}

/** The call as counted under its verdict: itself, or moved into an overflow series. */
export function admittedCall(call: ToolCall, verdict: AdmissionVerdict): ToolCall {
  switch (verdict.kind) {
    case 'admitted':
      return call;
    case 'other_tool':
      return { ...call, tool: OTHER_TOOL };
    case 'overflow_server':
      return { ...call, server: OVERFLOW_SERVER, tool: OTHER_TOOL };
  }
}

/**
 * Admission state held in memory: the in-memory window store's, and the model the Redis script
 * follows. Series are named by their ids (series.ts); a server by its rollup's id.
 */
export class AdmissionLedger {
  private readonly admitted = new Set<string>();
  /** Server rollup id -> tool series admitted on it: the tracked servers. */
  private readonly servers = new Map<string, number>();
  private readonly unregistered = new Set<string>();

  constructor(private readonly limits: CardinalityLimits) {}

  /** Decides for one tool series and records what the verdict admits or tracks. */
  admit(toolSeriesId: string, rollupId: string, unregistered: boolean): AdmissionVerdict {
    const serverTools = this.servers.get(rollupId) ?? null;
    const verdict = decideAdmission(
      {
        seriesAdmitted: this.admitted.has(toolSeriesId),
        serverTools,
        unregistered,
        toolSeries: this.admitted.size,
        unregisteredServers: this.unregistered.size,
      },
      this.limits,
    );
    if (verdict.kind === 'overflow_server' || this.admitted.has(toolSeriesId)) return verdict;
    if (serverTools === null) {
      this.servers.set(rollupId, 0);
      if (unregistered) this.unregistered.add(rollupId);
    }
    if (verdict.kind === 'admitted') {
      this.admitted.add(toolSeriesId);
      this.servers.set(rollupId, (this.servers.get(rollupId) ?? 0) + 1);
    }
    return verdict;
  }

  /** A forgotten tool series frees its slot. */
  releaseTool(toolSeriesId: string, rollupId: string): void {
    if (!this.admitted.delete(toolSeriesId)) return;
    const tools = this.servers.get(rollupId);
    if (tools !== undefined) this.servers.set(rollupId, Math.max(0, tools - 1));
  }

  /** A forgotten rollup (its server quiet past its lifetime) stops its server being tracked. */
  releaseServer(rollupId: string): void {
    this.servers.delete(rollupId);
    this.unregistered.delete(rollupId);
  }

  /** Tool series admitted, and unregistered servers tracked. */
  get usage(): { toolSeries: number; unregisteredServers: number } {
    return { toolSeries: this.admitted.size, unregisteredServers: this.unregistered.size };
  }
}
