import { encodeProtobufTracesFromJson } from '@budgetwatch/otlp';

export const SPANS_PER_RECORD = 100;
export const TOOLS = ['search', 'write', 'read', 'pay', 'lookup'] as const;
export const SERVERS = ['docs', 'crm'] as const;

/**
 * Span n of a deterministic stream: its tool, server and whether it failed follow from n, so a
 * test can compute what every counter must hold after any number of records.
 */
export function spanTraits(n: number): { tool: string; server: string; error: boolean } {
  return {
    tool: TOOLS[n % TOOLS.length] as string,
    server: SERVERS[n % SERVERS.length] as string,
    error: n % 10 === 0,
  };
}

/** Record r of the stream: OTLP protobuf with spans r*100 .. r*100+99, ending within the last hour. */
export function toolCallRecord(record: number, nowMs: number, spansPerRecord = SPANS_PER_RECORD): Buffer {
  const spans = Array.from({ length: spansPerRecord }, (_, i) => {
    const n = record * spansPerRecord + i;
    const { tool, server, error } = spanTraits(n);
    const end = nowMs - (n % 3000) * 1000;
    return {
      traceId: (n + 1).toString(16).padStart(32, '0'),
      spanId: (n + 1).toString(16).padStart(16, '0'),
      name: `tools/call ${tool}`,
      kind: 3,
      startTimeUnixNano: String((end - 50) * 1e6),
      endTimeUnixNano: String(end * 1e6),
      attributes: [
        { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
        { key: 'gen_ai.tool.name', value: { stringValue: tool } },
        { key: 'mcp.server.name', value: { stringValue: server } },
      ],
      status: { code: error ? 2 : 0 },
    };
  });
  return Buffer.from(encodeProtobufTracesFromJson({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
}

/** Expected calls and errors per (server, tool) after spans 0 .. total-1. */
export function expectedCounts(total: number): Map<string, { calls: number; errors: number }> {
  const counts = new Map<string, { calls: number; errors: number }>();
  for (let n = 0; n < total; n++) {
    const { tool, server, error } = spanTraits(n);
    const key = `${server}/${tool}`;
    const entry = counts.get(key) ?? { calls: 0, errors: 0 };
    entry.calls += 1;
    if (error) entry.errors += 1;
    counts.set(key, entry);
  }
  return counts;
}
