/**
 * The one span each guarded call records, in the OpenTelemetry MCP / GenAI semantic conventions
 * Budgetwatch's `otel-semconv-client` profile reads (docs/guard.md, "Telemetry").
 */
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { type Attributes, type Span, SpanStatusCode } from '@opentelemetry/api';
import type { Block } from './guard-decision.js';

export const GUARD_ATTRIBUTES = {
  fallbackActivated: 'budgetwatch.fallback.activated',
  policyDecision: 'budgetwatch.policy.decision',
  policyExpected: 'budgetwatch.policy.expected',
  guardReason: 'budgetwatch.guard.reason',
  probe: 'budgetwatch.guard.probe',
} as const;

/** The guard's own block when the lowered-concurrency queue is full (no fallback: the caller is told). */
export const QUEUE_FULL_REASON = 'concurrency_queue_full';

export function toolCallSpanName(tool: string): string {
  return `tools/call ${tool}`;
}

export function toolCallAttributes(server: string, tool: string): Attributes {
  return {
    'mcp.method.name': 'tools/call',
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': tool,
    'mcp.server.name': server,
  };
}

/** A call the guard kept from the tool: an expected policy block, not a failure of the tool. */
export function markBlocked(span: Span, reason: string, fallback: boolean): void {
  if (fallback) span.setAttribute(GUARD_ATTRIBUTES.fallbackActivated, true);
  span.setAttribute(GUARD_ATTRIBUTES.policyDecision, 'deny');
  span.setAttribute(GUARD_ATTRIBUTES.policyExpected, true);
  span.setAttribute(GUARD_ATTRIBUTES.guardReason, reason);
}

export function markBlock(span: Span, block: Block): void {
  markBlocked(span, block.reason, true);
}

/** An `isError: true` result: the tool answered, and said it failed. */
export function markToolError(span: Span): void {
  span.setAttribute('error.type', 'tool_error');
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'the tool answered with isError' });
}

/** A protocol error: the JSON-RPC code for an MCP error, else the error's name. */
export function markThrown(span: Span, error: unknown): void {
  const type =
    error instanceof McpError ? String(error.code) : error instanceof Error ? error.name : 'unknown_error';
  span.setAttribute('error.type', type);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  if (error instanceof Error) span.recordException(error);
}
