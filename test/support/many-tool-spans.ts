const MS = 1_000_000n;

/** An OTLP/JSON tool-call span: `tool` on `server`, 20 ms long, ended a second ago. */
function toolSpan(server: string, tool: string, index: number) {
  const end = BigInt(Date.now() - 1000);
  return {
    traceId: (index + 1).toString(16).padStart(32, '0'),
    spanId: (index + 1).toString(16).padStart(16, '0'),
    name: `tools/call ${tool}`,
    kind: 3,
    startTimeUnixNano: ((end - 20n) * MS).toString(),
    endTimeUnixNano: (end * MS).toString(),
    attributes: [
      { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
      { key: 'gen_ai.tool.name', value: { stringValue: tool } },
      { key: 'mcp.server.name', value: { stringValue: server } },
    ],
  };
}

/**
 * OTLP/JSON export bodies with one call of each of `tools` distinct tool names, spread evenly
 * over `servers` server names (`load-<n>-mcp`), `perExport` spans per body.
 */
export function manyToolExports(shape: { tools: number; servers: number; perExport: number }): string[] {
  const bodies: string[] = [];
  for (let first = 0; first < shape.tools; first += shape.perExport) {
    const spans = [];
    for (let i = first; i < Math.min(shape.tools, first + shape.perExport); i++) {
      spans.push(toolSpan(`load-${i % shape.servers}-mcp`, `tool-${i}`, i));
    }
    bodies.push(
      JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] }),
    );
  }
  return bodies;
}
