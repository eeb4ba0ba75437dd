import { MAX_WINDOW_MS } from './resolution.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const UNITS: Record<string, number> = { s: SECOND, m: MINUTE, h: HOUR };

/** "2h", "90m", "45s", "250ms" (or a bare number of ms) as milliseconds; no bounds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null)
    throw new RangeError(`expected a duration like 30s, 5m, 2h or 24h, got ${JSON.stringify(text)}`);
  const unit = match[2] ?? 'ms';
  return Math.round(Number(match[1]) * (unit === 'ms' ? 1 : (UNITS[unit] ?? 1)));
}

/** A trailing window's length: a duration from 1 second to 24h. */
export function parseWindowDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms < SECOND || ms > MAX_WINDOW_MS) {
    throw new RangeError(`window "${text}" is outside 1s..24h`);
  }
  return ms;
}

/** The shortest text for a window length: 7200000 -> "2h", 5400000 -> "90m". */
export function formatWindowDuration(ms: number): string {
  if (ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  if (ms % SECOND === 0) return `${ms / SECOND}s`;
  return `${ms}ms`;
}
