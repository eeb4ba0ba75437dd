import type { RuleScope } from '../rules/rule.js';

/** A time series of counters: one tool of one server, or (tool `null`) the server rollup. */
export interface SeriesRef {
  server: string;
  tool: string | null;
  drill: boolean;
}

/**
 * Canonical, injective text id of a series. Server and tool names are untrusted span data, so each
 * is percent-encoded: the id never contains `|`, `{`, `}` or `*` from a name, and the rollup's `*`
 * cannot collide with a tool of that name.
 */
export function seriesId(series: SeriesRef): string {
  const tool = series.tool === null ? '*' : encodeName(series.tool);
  return `${series.drill ? 'drill' : 'prod'}|${encodeName(series.server)}|${tool}`;
}

export function parseSeriesId(id: string): SeriesRef {
  const [mode, server, tool, ...rest] = id.split('|');
  if (
    (mode !== 'drill' && mode !== 'prod') ||
    server === undefined ||
    tool === undefined ||
    rest.length > 0
  ) {
    throw new Error(`not a series id: ${id}`);
  }
  return {
    drill: mode === 'drill',
    server: decodeURIComponent(server),
    tool: tool === '*' ? null : decodeURIComponent(tool),
  };
}

function encodeName(name: string): string {
  return encodeURIComponent(name).replace(
    /[*!'()~]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function rollupOf(series: SeriesRef): SeriesRef {
  return { server: series.server, tool: null, drill: series.drill };
}

/** Which rules a series gets: a tool's, or (its rollup) a server's. */
export function scopeOf(series: SeriesRef): RuleScope {
  return series.tool === null ? 'server' : 'tool';
}
