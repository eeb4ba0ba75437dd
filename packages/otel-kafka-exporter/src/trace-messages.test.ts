import { decodeTraces } from '@budgetwatch/otlp';
import { recordToolCallSpans } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { SpanTooLargeError, traceMessages } from './trace-messages.js';

const spans = recordToolCallSpans(
  Array.from({ length: 30 }, (_, i) => ({
    tool: `tool-${i % 3}`,
    server: 'docs',
    endTimeMs: 1_764_000_000_000 + i,
    durationMs: 10 + i,
  })),
);

describe('traceMessages', () => {
  it('writes one unkeyed OTLP protobuf record per export by default', () => {
    const messages = traceMessages(spans, { partitionTracesById: false, maxMessageBytes: 1_000_000 });
    expect(messages).toHaveLength(1);
    expect(messages[0]?.key).toBeNull();
    const decoded = decodeTraces(messages[0]?.value);
    expect(decoded.map((span) => span.spanId).sort()).toEqual(
      spans.map((s) => s.spanContext().spanId).sort(),
    );
  });

  it('keys one record per trace by its hex trace id when partitioning by trace', () => {
    const sameTrace = [...spans.slice(0, 3)];
    const messages = traceMessages(sameTrace, { partitionTracesById: true, maxMessageBytes: 1_000_000 });
    expect(messages.map((m) => m.key)).toEqual(sameTrace.map((s) => s.spanContext().traceId));
    for (const message of messages) {
      expect(message.key).toMatch(/^[0-9a-f]{32}$/);
      expect(decodeTraces(message.value).every((span) => span.traceId === message.key)).toBe(true);
    }
  });

  it('splits an export over the size limit into records under it, keeping every span', () => {
    const whole = traceMessages(spans, { partitionTracesById: false, maxMessageBytes: 1_000_000 });
    const limit = Math.ceil((whole[0]?.value.length ?? 0) / 4);
    const messages = traceMessages(spans, { partitionTracesById: false, maxMessageBytes: limit });
    expect(messages.length).toBeGreaterThanOrEqual(4);
    for (const message of messages) expect(message.value.length).toBeLessThanOrEqual(limit);
    const ids = messages.flatMap((m) => decodeTraces(m.value).map((span) => span.spanId));
    expect(ids.sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
  });

  it('fails loudly for a single span above the limit, and writes nothing for no spans', () => {
    expect(() =>
      traceMessages(spans.slice(0, 1), { partitionTracesById: false, maxMessageBytes: 20 }),
    ).toThrow(SpanTooLargeError);
    expect(traceMessages([], { partitionTracesById: false, maxMessageBytes: 20 })).toEqual([]);
  });
});
