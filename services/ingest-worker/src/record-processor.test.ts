import { otlpProtobuf, recordToolCallSpans } from '@budgetwatch/testkit';
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
});
