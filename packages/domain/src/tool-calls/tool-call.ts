/** How a tool call ended, after policy, from the budgets' point of view. */
export type CallOutcome = 'ok' | 'error' | 'blocked_expected' | 'blocked_unexpected';

/** One MCP tool call, as counted by the windows. */
export interface ToolCall {
  server: string;
  tool: string;
  /** Synthetic drill traffic lives in its own series, apart from production. */
  drill: boolean;
  outcome: CallOutcome;
  fallback: boolean;
  /** End time minus start time. Not meaningful for blocked calls, which never reached the tool. */
  latencyMs: number;
  /** Event time: the span's end time, ms since the epoch. */
  eventTimeMs: number;
  /** True when the server matched no inventory entry and was derived from span attributes. */
  unregistered: boolean;
}
