import type { AttributeBag } from './attribute-matcher.js';

const SERVER_KIND = 2;

/**
 * Resolves a span to an inventory server id, or undefined when it belongs to no registered server;
 * `derivedId` is the id its attributes give (deriveServerId).
 */
export type InventoryResolver = (
  span: AttributeBag,
  resource: AttributeBag,
  derivedId: string,
) => string | undefined;

export const NO_INVENTORY: InventoryResolver = () => undefined;

/** Used when a span names no server at all. */
export const UNKNOWN_SERVER = 'unknown';

/**
 * The server id derived from attributes when the inventory has no match: `mcp.server.name`, then
 * `server.address[:server.port]`, then the resource's `service.name` for SERVER spans.
 */
export function deriveServerId(span: AttributeBag, resource: AttributeBag, kind: number): string {
  const named = span['mcp.server.name'] ?? resource['mcp.server.name'];
  if (typeof named === 'string' && named !== '') return named;
  const address = span['server.address'];
  if (typeof address === 'string' && address !== '') {
    const port = span['server.port'];
    return port === undefined || port === '' ? address : `${address}:${String(port)}`;
  }
  if (kind === SERVER_KIND) {
    const service = resource['service.name'];
    if (typeof service === 'string' && service !== '') return service;
  }
  return UNKNOWN_SERVER;
}
