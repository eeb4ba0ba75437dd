import { UNATTRIBUTED_SERVER } from '../tool-calls/server-identity.js';

/**
 * The tool every server's calls beyond its admitted tools count under (docs/contract.md, section 3).
 * Parentheses are outside the characters the MCP specification allows in tool names, and a span
 * naming a tool or server exactly so is renamed like an over-long name (bounded-name.ts): no real
 * tool can land in this series.
 */
export const OTHER_TOOL = '(other)';

/** The server the calls of unregistered servers beyond the tracked ones count under. */
export const OVERFLOW_SERVER = '(other servers)';

/**
 * Names a span can never give a series, nor an inventory a server: the overflow series' own, and
 * the server of calls no server is named for.
 */
export const RESERVED_SERIES_NAMES: ReadonlySet<string> = new Set([
  OTHER_TOOL,
  OVERFLOW_SERVER,
  UNATTRIBUTED_SERVER,
]);
