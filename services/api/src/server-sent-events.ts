/** One Server-Sent Events message: `event:`, `id:` and a one-line JSON `data:` (docs/policy-engines.md). */
export function sseMessage(event: string, id: number, data: unknown): string {
  // JSON.stringify escapes line breaks inside strings, so the data is always one line.
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: keeps the connection busy, so a client can measure staleness. */
export const SSE_KEEPALIVE = ': keepalive\n\n';

/** Tells the client how long to wait before reconnecting. */
export function sseRetry(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/**
 * The version a reconnecting client last saw (`Last-Event-ID` header, or `?lastEventId=` for
 * clients that cannot set headers); null when absent or not a version this API gives out.
 */
export function lastEventId(header: string | string[] | undefined, query: string | null): number | null {
  const text = (Array.isArray(header) ? header[0] : header) ?? query;
  if (text === undefined || text === null || !/^\d{1,15}$/.test(text.trim())) return null;
  return Number(text.trim());
}
