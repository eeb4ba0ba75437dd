import type { DrillCall, DrillScenario } from '@budgetwatch/domain';
import { KafkaSpanExporter } from '@budgetwatch/otel-kafka-exporter';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Kafka } from 'kafkajs';

/** One call of a drill, with when it ended. */
export interface TimedDrillCall extends DrillCall {
  endMs: number;
}

/** A scenario's calls as a drill sends them at `nowMs`: ending just before, a millisecond apart. */
export function drillCalls(scenario: DrillScenario, nowMs: number): TimedDrillCall[] {
  return Array.from({ length: scenario.calls }, (_, i) => ({ ...scenario.call(i), endMs: nowMs - 500 - i }));
}

/**
 * Sends a scenario's calls the way an agent does: MCP tool-call client spans recorded with the
 * OpenTelemetry SDK and exported to the span topic in the Collector's format, each marked
 * `budgetwatch.drill = true` so they count in the drill series only.
 */
export async function sendDrillSpans(
  kafka: Kafka,
  topic: string,
  scenario: DrillScenario,
  target: { server: string; tool: string },
  nowMs: number,
): Promise<void> {
  const exporter = new KafkaSpanExporter({ kafka, topic });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'budgetwatch-drill' }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxExportBatchSize: 1000, maxQueueSize: 4096 })],
  });
  const tracer = provider.getTracer('budgetwatch-drill');
  for (const call of drillCalls(scenario, nowMs)) {
    const attributes: Record<string, string | boolean> = {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': target.tool,
      'mcp.server.name': target.server,
      'budgetwatch.drill': true,
    };
    if (call.policyDenied) attributes['budgetwatch.policy.decision'] = 'deny';
    if (call.error) attributes['error.type'] = 'drill_failure';
    const span = tracer.startSpan(`tools/call ${target.tool}`, {
      kind: SpanKind.CLIENT,
      startTime: call.endMs - call.durationMs,
      attributes,
    });
    if (call.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'drill failure' });
    span.end(call.endMs);
  }
  await provider.forceFlush();
  await provider.shutdown();
}
