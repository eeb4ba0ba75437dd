import { ApiError } from './http-api.js';

/**
 * Where a page of a list starts: after the item with this sort key (null: at the beginning). A
 * key is compared element by element: null before numbers, numbers before text, text by UTF-16
 * code units (so the order does not depend on a locale).
 */
export type CursorKey = readonly (string | number | null)[];

export interface PageRequest {
  /** The `next` of the previous page, as the API gave it; null for the first page. */
  cursor: string | null;
  limit: number;
}

/** How many items a list endpoint returns at once: `limit` is clamped to 1..max. */
export interface PageLimits {
  defaultLimit: number;
  maxLimit: number;
}

/**
 * `?limit=N&cursor=C`: the limit clamped to 1..max (the default when absent or not a number), the
 * cursor as given (checked when it is read).
 */
export function pageRequest(query: URLSearchParams, limits: PageLimits): PageRequest {
  const asked = Number(query.get('limit') ?? limits.defaultLimit) || limits.defaultLimit;
  const cursor = query.get('cursor');
  return {
    cursor: cursor === null || cursor === '' ? null : cursor,
    limit: Math.min(limits.maxLimit, Math.max(1, Math.floor(asked))),
  };
}

/** An opaque cursor: the key of the last item of a page (base64url JSON). */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    Array.isArray(key) &&
    key.every((part) => part === null || typeof part === 'string' || typeof part === 'number');
  if (!valid) throw new ApiError(400, 'cursor: not one this API gave out (pass the `next` of a page)');
  return key as CursorKey;
}

export function compareKeys(a: CursorKey, b: CursorKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const order = comparePart(a[i], b[i]);
    if (order !== 0) return order;
  }
  return 0;
}

function comparePart(a: string | number | null | undefined, b: string | number | null | undefined): number {
  const rank = (part: typeof a) =>
    part === undefined ? 0 : part === null ? 1 : typeof part === 'number' ? 2 : 3;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return 0;
}

/** The index of the first item of `sorted` (in key order) whose key is past `cursor`. */
export function startAfter<T>(
  sorted: readonly T[],
  keyOf: (item: T) => CursorKey,
  cursor: string | null,
): number {
  if (cursor === null) return 0;
  const after = decodeCursor(cursor);
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareKeys(keyOf(sorted[middle] as T), after) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** One page of an in-memory list sorted by `keyOf`, and the cursor of the next one (null: the last). */
export function pageOf<T>(
  sorted: readonly T[],
  keyOf: (item: T) => CursorKey,
  request: PageRequest,
): { items: T[]; next: string | null } {
  const start = startAfter(sorted, keyOf, request.cursor);
  const items = sorted.slice(start, start + request.limit);
  const last = items.at(-1);
  return {
    items,
    next: start + items.length < sorted.length && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/** Sorts by `keyOf` (as pages are cut): a copy. */
export function sortedByKey<T>(items: readonly T[], keyOf: (item: T) => CursorKey): T[] {
  return items
    .map((item) => ({ item, key: keyOf(item) }))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map(({ item }) => item);
}
