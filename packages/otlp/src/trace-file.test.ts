import { otlpJson, otlpProtobuf, recordToolCallSpans } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { decodeTraces } from './decode-traces.js';
import { TraceFileError, traceFileRecords } from './trace-file.js';

const spans = recordToolCallSpans(
  Array.from({ length: 25 }, (_, i) => ({
    tool: `t${i % 2}`,
    server: 'docs',
    endTimeMs: 1_764_000_000_000 + i,
    durationMs: 5,
    serviceName: i < 10 ? 'agent-a' : 'agent-b',
  })),
);
const spanIds = (records: Uint8Array[]) =>
  records.flatMap((r) => decodeTraces(r).map((s) => s.spanId)).sort();
const expectedIds = spans.map((s) => s.spanContext().spanId).sort();

describe('traceFileRecords', () => {
  it('sends a protobuf file unchanged as one record', () => {
    const bytes = otlpProtobuf(spans);
    const file = traceFileRecords(bytes, { maxSpansPerRecord: 10 });
    expect(file).toMatchObject({ format: 'otlp_proto', spans: 25 });
    expect(file.records).toEqual([bytes]);
  });

  it('splits a JSON document into protobuf records of at most N spans, across resources', () => {
    const file = traceFileRecords(otlpJson(spans), { maxSpansPerRecord: 10 });
    expect(file.format).toBe('otlp_json');
    expect(file.spans).toBe(25);
    expect(file.records.map((r) => decodeTraces(r).length)).toEqual([10, 10, 5]);
    expect(spanIds(file.records)).toEqual(expectedIds);
    const services = decodeTraces(file.records[0] as Uint8Array).map((s) => s.resource['service.name']);
    expect(new Set(services)).toEqual(new Set(['agent-a']));
  });

  it('reads JSON Lines, one export per line, as the Collector file exporter writes', () => {
    const lines = [otlpJson(spans.slice(0, 12)), otlpJson(spans.slice(12))].map((b) =>
      Buffer.from(b).toString(),
    );
    const file = traceFileRecords(Buffer.from(`${lines.join('\n')}\n`), { maxSpansPerRecord: 100 });
    expect(file).toMatchObject({ format: 'otlp_json_lines', spans: 25 });
    expect(file.records).toHaveLength(2);
    expect(spanIds(file.records)).toEqual(expectedIds);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'empty'],
    [
      'a bad JSON line',
      Buffer.from('{"resourceSpans": []}\n{"resourceSpans": [\n'),
      'line 2: not valid JSON',
    ],
    ['JSON that is not traces', Buffer.from('{"resourceMetrics": []}'), 'the JSON document: not_otlp_traces'],
    [
      'a truncated protobuf file',
      Buffer.from(otlpProtobuf(spans)).subarray(0, 50),
      'the protobuf file: invalid_protobuf',
    ],
  ])('rejects %s, saying where and why', (_name, bytes, message) => {
    expect(() => traceFileRecords(bytes, { maxSpansPerRecord: 10 })).toThrow(TraceFileError);
    expect(() => traceFileRecords(bytes, { maxSpansPerRecord: 10 })).toThrow(message);
  });
});
