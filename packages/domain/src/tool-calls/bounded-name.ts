import { createHash } from 'node:crypto';
import { RESERVED_SERIES_NAMES } from '../cardinality/overflow-names.js';

/**
 * The longest server or tool name a series keeps (UTF-16 code units). Real names are far shorter
 * (MCP recommends at most 128 characters for a tool name); span text is untrusted, and every
 * series key, index entry and event carries its names.
 */
export const MAX_SERIES_NAME_LENGTH = 256;

/** What replaces a cut name's end: `…#` and 12 hex digits of a SHA-256 of the whole name. */
const MARKER_LENGTH = 14;

/**
 * `name`, or its beginning and a hash of the whole when it is longer than the limit: two long
 * names that start alike stay two series, and a name of megabytes costs a few hundred bytes. A
 * name reserved for the overflow series (overflow-names.ts) gets the hash too, so a span cannot
 * write into them.
 */
export function boundedSeriesName(name: string, maxLength = MAX_SERIES_NAME_LENGTH): string {
  if (name.length <= maxLength && !RESERVED_SERIES_NAMES.has(name)) return name;
  let kept = name.slice(0, maxLength - MARKER_LENGTH);
  // Never keep half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return `${kept}…#${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}
