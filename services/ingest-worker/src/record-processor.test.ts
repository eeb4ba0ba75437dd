import { otlpProtobuf, recordToolCallSpans } from '@budgetwatch/testkit';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { emptyIngestMetrics } from './ingest-metrics.js';
import { DEFAULT_RECOGNITION, processRecords, spanPlausibility } from './record-processor.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('processRecords', () => {
  it('counts calls by profile, unattributed calls, and spans not counted by reason', () => {
    const spans = recordToolCallSpans([
      { tool: 'search', server: 'docs', endTimeMs: NOW - 100, durationMs: 50 },
      { tool: 'search', endTimeMs: NOW - 100, durationMs: 50 },
      { tool: 'search', server: 'docs', side: 'server', endTimeMs: NOW - 100, durationMs: 50 },
      { tool: 'old', server: 'docs', endTimeMs: NOW - 48 * 3600_000, durationMs: 50 },
    ]);
    const metrics = emptyIngestMetrics();
    const { calls } = processRecords(
      [{ offset: '7', key: null, value: Buffer.from(otlpProtobuf(spans)) }],
      {
        ...DEFAULT_RECOGNITION,
        resolveInventory: () => undefined,
        nowMs: NOW,
        plausibility: spanPlausibility(),
      },
      metrics,
    );
    expect(calls.map(({ call }) => call.server)).toEqual(['docs', '(unattributed)']);
    expect(metrics).toMatchObject({
      spans: 4,
      toolCalls: 2,
      callsByProfile: { 'otel-semconv-client': 2 },
      unattributedCalls: 1,
      otherPerspective: 1,
      notToolCalls: 0,
      duplicateCalls: 0,
      invalidSpans: { too_old: 1 },
    });
  });

  it('counts a call seen by two instrumentations at once (an AI SDK span wrapping a Traceloop span) once', () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer(
      'agent',
    );
    for (const [i, failed] of [false, true, false].entries()) {
      const sdk = tracer.startSpan('ai.toolCall', {
        startTime: NOW - 1000,
        attributes: { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'search' },
      });
      const mcp = tracer.startSpan(
        'search.tool',
        {
          kind: SpanKind.CLIENT,
          startTime: NOW - 900 + i,
          attributes: { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'search' },
        },
        trace.setSpan(context.active(), sdk),
      );
      if (failed) mcp.setStatus({ code: SpanStatusCode.ERROR });
      mcp.end(NOW - 200);
      sdk.end(NOW - 100);
    }
    const metrics = emptyIngestMetrics();
    const { calls } = processRecords(
      [{ offset: '1', key: null, value: Buffer.from(otlpProtobuf(exporter.getFinishedSpans())) }],
      {
        ...DEFAULT_RECOGNITION,
        resolveInventory: () => 'docs-mcp',
        nowMs: NOW,
        plausibility: spanPlausibility(),
      },
      metrics,
    );
    expect(
      calls.map(({ call }) => [call.server, call.tool, call.outcome, Math.round(call.latencyMs)]),
    ).toEqual([
      ['docs-mcp', 'search', 'ok', 700],
      ['docs-mcp', 'search', 'error', 699],
      ['docs-mcp', 'search', 'ok', 698],
    ]);
    expect(metrics).toMatchObject({
      toolCalls: 3,
      duplicateCalls: 3,
      callsByProfile: { 'traceloop-mcp': 3 },
    });
  });
});
