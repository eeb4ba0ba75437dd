import { encodeProtobufTracesFromJson } from '@budgetwatch/otlp';

/** One tool of one server, named as its spans name it. */
export interface NamedTool {
  server: string;
  tool: string;
}

/**
 * An OTLP protobuf export with `callsEach` successful tool-call spans per tool, in the order
 * given (tool after tool), each ending a second before `nowMs`. `firstSpan` numbers the ids.
 */
export function namedToolsExport(
  tools: readonly NamedTool[],
  callsEach: number,
  nowMs: number,
  firstSpan: number,
): Buffer {
  const spans = tools.flatMap(({ server, tool }, t) =>
    Array.from({ length: callsEach }, (_, c) => {
      const n = firstSpan + t * callsEach + c + 1;
      const end = nowMs - 1000;
      return {
        traceId: n.toString(16).padStart(32, '0'),
        spanId: n.toString(16).padStart(16, '0'),
        name: `tools/call ${tool}`,
        kind: 3,
        startTimeUnixNano: String((end - 20) * 1e6),
        endTimeUnixNano: String(end * 1e6),
        attributes: [
          { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
          { key: 'gen_ai.tool.name', value: { stringValue: tool } },
          { key: 'mcp.server.name', value: { stringValue: server } },
        ],
        status: { code: 0 },
      };
    }),
  );
  return Buffer.from(encodeProtobufTracesFromJson({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
}

/** `items` in consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
