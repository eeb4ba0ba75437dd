import { otlpJson, otlpProtobuf, recordToolCallSpans } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { decodeTraces } from './decode-traces.js';
import { traceRecords } from './trace-records.js';

const spans = recordToolCallSpans(
  Array.from({ length: 300 }, (_, i) => ({
    tool: `tool-${i % 3}-${'x'.repeat(200)}`,
    server: 'docs',
    endTimeMs: 1_764_000_000_000 + i,
    durationMs: 5,
    serviceName: i < 100 ? 'agent-a' : 'agent-b',
  })),
);
const names = (records: Uint8Array[]) =>
  records.flatMap((record) => decodeTraces(record).map((span) => span.spanId)).sort();

describe('traceRecords', () => {
  const protobuf = otlpProtobuf(spans);
  const json = Buffer.from(otlpJson(spans));

  it('passes a protobuf request that fits through byte for byte', () => {
    const [record, ...rest] = traceRecords(protobuf, 'otlp_proto', protobuf.length);
    expect(rest).toEqual([]);
    expect(record).toBe(protobuf);
  });

  it('encodes a JSON request as one protobuf record when it fits', () => {
    const records = traceRecords(json, 'otlp_json', 1_000_000);
    expect(records).toHaveLength(1);
    expect(names(records)).toEqual(names([protobuf]));
  });

  it.each(['otlp_proto', 'otlp_json'] as const)(
    'splits a %s request between spans, losing none',
    (encoding) => {
      const max = Math.floor(protobuf.length / 3);
      const records = traceRecords(encoding === 'otlp_proto' ? protobuf : json, encoding, max);
      expect(records.length).toBeGreaterThanOrEqual(3);
      for (const record of records) expect(record.length).toBeLessThanOrEqual(max);
      expect(records.reduce((sum, record) => sum + decodeTraces(record).length, 0)).toBe(300);
      expect(names(records)).toEqual(names([protobuf]));
      // Each span keeps its resource: agent-a's 100 spans are still agent-a's.
      const services = records.flatMap((record) =>
        decodeTraces(record).map((span) => span.resource['service.name']),
      );
      expect(services.filter((service) => service === 'agent-a')).toHaveLength(100);
    },
  );
});
