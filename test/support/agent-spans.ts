import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * Tool-call spans as an agent's OpenTelemetry SDK records them, exported by `exporter`: `count`
 * calls of `tool` on `server` (named by mcp.server.name and/or server.address), the first
 * `failing` of them with status ERROR, each lasting `durationMs` (default 50).
 */
export async function recordAgentCalls(
  exporter: SpanExporter,
  call: {
    server: string | null;
    address?: string;
    tool: string;
    count: number;
    failing: number;
    durationMs?: number;
  },
): Promise<void> {
  const durationMs = call.durationMs ?? 50;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'agent' }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('agent');
  const now = Date.now();
  for (let i = 0; i < call.count; i++) {
    const span = tracer.startSpan(`tools/call ${call.tool}`, {
      kind: SpanKind.CLIENT,
      startTime: now - 1000 - i - durationMs,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': call.tool,
        ...(call.server === null ? {} : { 'mcp.server.name': call.server }),
        ...(call.address === undefined ? {} : { 'server.address': call.address }),
      },
    });
    if (i < call.failing) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(now - 1000 - i);
  }
  await provider.forceFlush();
  await provider.shutdown();
}
