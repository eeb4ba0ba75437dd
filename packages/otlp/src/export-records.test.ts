import { otlpJson, otlpProtobuf, recordToolCallSpans } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { decodeTraces } from './decode-traces.js';
import { exportRecords } from './export-records.js';
import { encodeSpanUnits, protobufSpanUnits } from './span-units.js';

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

const traceRecords = (bytes: Uint8Array, encoding: 'otlp_proto' | 'otlp_json', max: number) =>
  exportRecords(bytes, encoding, max).records;

describe('exportRecords', () => {
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

  it('keeps the good spans of a protobuf request and says how many it refused, and why', () => {
    const good = protobufSpanUnits(protobuf).slice(0, 5);
    const deep = protobufSpanUnits(nestedSpanRequest(60))[0];
    if (deep === undefined) throw new Error('no span');
    const request = encodeSpanUnits([...good, deep]);
    const result = exportRecords(request, 'otlp_proto', 1_000_000);
    expect(result).toMatchObject({
      acceptedSpans: 5,
      rejectedSpans: 1,
      rejections: { attribute_nesting: 1 },
    });
    expect(result.firstRejection).toMatch(/^attribute_nesting: /);
    expect(names(result.records)).toEqual(names([encodeSpanUnits(good)]));
  });

  it('an empty export writes nothing and refuses nothing', () => {
    for (const [bytes, encoding] of [
      [new Uint8Array(0), 'otlp_proto'],
      [Buffer.from('{}'), 'otlp_json'],
    ] as const) {
      expect(exportRecords(bytes, encoding, 1000)).toMatchObject({
        records: [],
        acceptedSpans: 0,
        rejectedSpans: 0,
      });
    }
  });

  it('refuses a payload that is not trace data at all', () => {
    expect(() => exportRecords(Buffer.from('[1,2]'), 'otlp_json', 1000)).toThrow('not_otlp_traces');
    expect(() => exportRecords(Buffer.from('{'), 'otlp_json', 1000)).toThrow('invalid_json');
  });
});

/** A request of one span whose attribute nests `depth` key-value lists, written field by field. */
function nestedSpanRequest(depth: number): Uint8Array {
  const lengthDelimited = (field: number, payload: Uint8Array) =>
    Buffer.concat([Buffer.from([(field << 3) | 2]), varint(payload.length), payload]);
  let value = lengthDelimited(1, Buffer.from('bottom'));
  for (let level = 0; level < depth; level++) {
    const keyValue = Buffer.concat([lengthDelimited(1, Buffer.from('k')), lengthDelimited(2, value)]);
    value = lengthDelimited(6, lengthDelimited(1, keyValue));
  }
  const span = Buffer.concat([
    lengthDelimited(1, Buffer.alloc(16, 1)),
    lengthDelimited(2, Buffer.alloc(8, 2)),
    lengthDelimited(9, Buffer.concat([lengthDelimited(1, Buffer.from('nested')), lengthDelimited(2, value)])),
  ]);
  return lengthDelimited(1, lengthDelimited(2, lengthDelimited(2, span)));
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 127) {
    bytes.push((rest & 127) | 128);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
