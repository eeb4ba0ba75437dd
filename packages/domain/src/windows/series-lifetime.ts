import { MAX_WINDOW_MS } from './resolution.js';
import type { SeriesRef } from './series.js';

const MINUTE = 60_000;

/**
 * A series' keys outlive their ring by this much after its last write, so a quiet series is not
 * lost between two writes (and a span dated up to 10 minutes ahead still has its bucket read).
 */
export const SERIES_EXPIRY_MARGIN_MS = 10 * MINUTE;

/**
 * A production series quiet for longer than this is forgotten: no window (24h at most) ending
 * now holds its calls any more.
 */
export const SERIES_LIFETIME_MS = MAX_WINDOW_MS + SERIES_EXPIRY_MARGIN_MS;

/**
 * A drill series quiet for longer than this is forgotten. A drill writes its calls within seconds
 * of starting and needs its series only until its run ends, within its `--timeout` (which may not
 * exceed this): the evaluator decides the breach from the series during the run (within a second
 * of the write, or at the next sweep, plus any `for` of the rule), and the notifier needs only the
 * breach event, which carries the numbers. Nothing reads a drill series afterwards: the notifier
 * never repeats a drill's incident, and the operator view, `status` and the CRS leave drill series
 * out. The hour beyond a short run leaves time to look at the drill's windows (`budgetwatch window
 * --drill`). Every drill writes a new tool series, so without this bound they would pile up
 * (docs/operations.md#sizing).
 */
export const DRILL_SERIES_LIFETIME_MS = 60 * MINUTE;

/** How long a series stays known after its last write. */
export function seriesLifetimeMs(series: Pick<SeriesRef, 'drill'>): number {
  return series.drill ? DRILL_SERIES_LIFETIME_MS : SERIES_LIFETIME_MS;
}
