import { type SeriesRef, summarizeWindow, type WindowSummary } from '@budgetwatch/domain';
import type { WindowStore } from './window-store.js';

export interface ToolWindow {
  tool: string;
  summary: WindowSummary;
}

export interface ServerWindows {
  server: string;
  drill: boolean;
  /** All the server's calls together. */
  rollup: WindowSummary;
  /** Each tool of the server with calls written during the window, by name. */
  tools: ToolWindow[];
}

/**
 * The read API over the window store: the aggregates rules and people look at (success rate,
 * block and fallback rates, slow fractions, p50/p95/p99) for any trailing window up to 24h.
 */
export class WindowReader {
  constructor(
    private readonly store: WindowStore,
    /** The latency thresholds (ms) the slow counters are kept for, in the store's order. */
    readonly thresholdsMs: readonly number[],
  ) {}

  /**
   * `quantiles: false` skips the latency sketch (p50/p95/p99 come back null): much less to read.
   * `coarse: true` reads five-minute buckets, for short windows ending more than 2h ago.
   */
  async series(
    series: SeriesRef,
    windowMs: number,
    nowMs = Date.now(),
    options: { quantiles?: boolean; coarse?: boolean } = {},
  ): Promise<WindowSummary> {
    const totals = await this.store.readWindow(series, windowMs, nowMs, {
      sketch: options.quantiles ?? true,
      coarse: options.coarse ?? false,
    });
    return summarizeWindow(totals, this.thresholdsMs, windowMs);
  }

  async server(
    server: string,
    windowMs: number,
    options: { drill?: boolean; nowMs?: number } = {},
  ): Promise<ServerWindows> {
    const drill = options.drill ?? false;
    const nowMs = options.nowMs ?? Date.now();
    const active = await this.store.activeSeries(nowMs - windowMs);
    const toolNames = [
      ...new Set(
        active
          .filter((s) => s.server === server && s.drill === drill && s.tool !== null)
          .map((s) => s.tool as string),
      ),
    ].sort();
    const rollup = await this.series({ server, tool: null, drill }, windowMs, nowMs);
    const tools = await Promise.all(
      toolNames.map(async (tool) => ({
        tool,
        summary: await this.series({ server, tool, drill }, windowMs, nowMs),
      })),
    );
    return { server, drill, rollup, tools };
  }
}
