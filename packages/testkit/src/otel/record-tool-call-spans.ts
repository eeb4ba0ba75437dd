import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** How a test tool call is written down as a span, following the MCP / GenAI conventions. */
export type SpanConvention = 'mcp' | 'genai' | 'merged' | 'name-only';

export interface ToolCallSpanSpec {
  tool: string;
  /** Written as mcp.server.name unless `serverAddress` is used instead. */
  server?: string;
  serverAddress?: { address: string; port?: number };
  side?: 'client' | 'server';
  convention?: SpanConvention;
  endTimeMs: number;
  durationMs: number;
  error?: boolean;
  errorType?: string;
  policyDenied?: boolean;
  policyExpected?: boolean;
  fallback?: boolean;
  drill?: boolean;
  serviceName?: string;
}

/**
 * Produces spans with the official OpenTelemetry JS SDK (real tracer, real span objects), so
 * decoding tests read exactly what instrumented agents send.
 */
export function recordToolCallSpans(specs: readonly ToolCallSpanSpec[]): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const byService = new Map<string, ToolCallSpanSpec[]>();
  for (const spec of specs) {
    const service = spec.serviceName ?? 'agent';
    byService.set(service, [...(byService.get(service) ?? []), spec]);
  }
  const spans: ReadableSpan[] = [];
  for (const [service, group] of byService) {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const tracer = provider.getTracer('budgetwatch-testkit');
    for (const spec of group) {
      const convention = spec.convention ?? 'mcp';
      const attributes: Record<string, string | number | boolean> = {};
      if (convention === 'mcp' || convention === 'merged') attributes['mcp.method.name'] = 'tools/call';
      if (convention === 'genai' || convention === 'merged')
        attributes['gen_ai.operation.name'] = 'execute_tool';
      if (convention === 'name-only') attributes['mcp.method.name'] = 'tools/call';
      else attributes['gen_ai.tool.name'] = spec.tool;
      if (spec.server !== undefined) attributes['mcp.server.name'] = spec.server;
      if (spec.serverAddress !== undefined) {
        attributes['server.address'] = spec.serverAddress.address;
        if (spec.serverAddress.port !== undefined) attributes['server.port'] = spec.serverAddress.port;
      }
      if (spec.errorType !== undefined) attributes['error.type'] = spec.errorType;
      if (spec.policyDenied === true) attributes['budgetwatch.policy.decision'] = 'deny';
      if (spec.policyExpected === true) attributes['budgetwatch.policy.expected'] = true;
      if (spec.fallback === true) attributes['budgetwatch.fallback.activated'] = true;
      if (spec.drill === true) attributes['budgetwatch.drill'] = true;
      const name = convention === 'genai' ? `execute_tool ${spec.tool}` : `tools/call ${spec.tool}`;
      const span = tracer.startSpan(name, {
        kind: spec.side === 'server' ? SpanKind.SERVER : SpanKind.CLIENT,
        startTime: spec.endTimeMs - spec.durationMs,
        attributes,
      });
      if (spec.error === true) span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
      span.end(spec.endTimeMs);
    }
    spans.push(...exporter.getFinishedSpans());
    exporter.reset();
  }
  return spans;
}

/** The OTLP protobuf bytes the SDK's exporters (and the Collector) send for these spans. */
export function otlpProtobuf(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('the OTLP protobuf serializer returned nothing');
  return bytes;
}

/** The OTLP JSON bytes the SDK's http/json exporter sends for these spans. */
export function otlpJson(spans: ReadableSpan[]): Uint8Array {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('the OTLP JSON serializer returned nothing');
  return bytes;
}

/**
 * An OTLP protobuf record of `count` successful 20 ms calls of `server`/`tool`, ended a second
 * ago and earlier, as the SDK (or a Collector) writes it: every call is this batch's own.
 */
export function toolCallsRecord(server: string, tool: string, count: number): Buffer {
  const now = Date.now();
  return Buffer.from(
    otlpProtobuf(
      recordToolCallSpans(
        Array.from({ length: count }, (_, i) => ({
          tool,
          server,
          endTimeMs: now - 1000 - i,
          durationMs: 20,
        })),
      ),
    ),
  );
}
