import { otlpJson, otlpProtobuf, recordToolCallSpans } from '@budgetwatch/testkit';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from './decode-error.js';
import { decodeTraces } from './decode-traces.js';
import { detectEncoding } from './detect-encoding.js';
import { encodeProtobufTracesFromJson } from './encode-protobuf.js';

const END = Date.UTC(2026, 10, 25, 12, 0, 0);

const sdkSpans = recordToolCallSpans([
  { tool: 'search', server: 'docs', endTimeMs: END, durationMs: 120.5, serviceName: 'agent-a' },
  {
    tool: 'write',
    server: 'crm',
    endTimeMs: END + 1000,
    durationMs: 3500,
    error: true,
    errorType: 'tool_error',
  },
  { tool: 'pay', server: 'billing', side: 'server', endTimeMs: END, durationMs: 10, policyDenied: true },
  {
    tool: 'lookup',
    convention: 'name-only',
    serverAddress: { address: 'mcp.local', port: 8443 },
    endTimeMs: END,
    durationMs: 5,
  },
]);

describe.each([
  ['otlp_proto', otlpProtobuf(sdkSpans)],
  ['otlp_json', otlpJson(sdkSpans)],
])('decoding what the OpenTelemetry JS SDK serializes (%s)', (encoding, bytes) => {
  it('detects the encoding from the first byte', () => {
    expect(detectEncoding(bytes)).toBe(encoding);
  });

  const spans = decodeTraces(bytes);

  it('keeps every span with ids, kind, times, status and attributes', () => {
    expect(spans).toHaveLength(4);
    const byName = new Map(spans.map((span) => [span.name, span]));
    const search = byName.get('tools/call search');
    expect(search?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(search?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(search?.kind).toBe(3);
    expect(search?.endTimeMs).toBeCloseTo(END, 3);
    expect((search?.endTimeMs ?? 0) - (search?.startTimeMs ?? 0)).toBeCloseTo(120.5, 3);
    expect(search?.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'search',
      'mcp.server.name': 'docs',
    });
    expect(search?.resource['service.name']).toBe('agent-a');

    const write = byName.get('tools/call write');
    expect(write?.statusCode).toBe(2);
    expect(write?.attributes['error.type']).toBe('tool_error');

    expect(byName.get('tools/call pay')?.kind).toBe(2);
    expect(byName.get('tools/call lookup')?.attributes).toMatchObject({
      'server.address': 'mcp.local',
      'server.port': 8443,
    });
  });

  it('decodes identically in both encodings', () => {
    const other =
      encoding === 'otlp_proto' ? decodeTraces(otlpJson(sdkSpans)) : decodeTraces(otlpProtobuf(sdkSpans));
    const strip = (list: typeof spans) =>
      list.map(({ startTimeMs, endTimeMs, ...rest }) => ({
        ...rest,
        start: Math.round(startTimeMs * 1000),
        end: Math.round(endTimeMs * 1000),
      }));
    expect(strip(spans)).toEqual(strip(other));
  });
});

describe('decodeTraces edge cases', () => {
  it('honours a content-type header over the first byte', () => {
    expect(detectEncoding(new Uint8Array([0x7b]), 'application/x-protobuf')).toBe('otlp_proto');
    expect(detectEncoding(new Uint8Array([0x0a]), 'application/json')).toBe('otlp_json');
  });

  it.each([
    ['empty record', new Uint8Array(), 'empty_record'],
    ['truncated protobuf', otlpProtobuf(sdkSpans).subarray(0, 40), 'invalid_protobuf'],
    ['broken JSON', Buffer.from('{"resourceSpans": ['), 'invalid_json'],
    ['JSON that is not trace data', Buffer.from('{"hello": 1}'), 'not_otlp_traces'],
    ['random bytes', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 'invalid_protobuf'],
    ['protobuf with only unknown fields', Buffer.from([0x18, 0x2a, 0x20, 0x01]), 'not_otlp_traces'],
    ['protobuf with a resource but no spans', Buffer.from([0x0a, 0x02, 0x0a, 0x00]), 'not_otlp_traces'],
  ])('%s is rejected with a reason', (_name, bytes, reason) => {
    try {
      decodeTraces(bytes);
      expect.unreachable('decoding should fail');
    } catch (error) {
      expect(error).toBeInstanceOf(OtlpDecodeError);
      expect((error as OtlpDecodeError).reason).toBe(reason);
    }
  });

  it('accepts enum names and numeric times in JSON, and missing times become NaN', () => {
    const json = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: 'AB',
                  spanId: 'CD',
                  name: 'x',
                  kind: 'SPAN_KIND_SERVER',
                  startTimeUnixNano: 1e15,
                  endTimeUnixNano: '1000002000000',
                  status: { code: 'STATUS_CODE_ERROR' },
                },
                { name: 'no-times' },
              ],
            },
          ],
        },
      ],
    };
    const [first, second] = decodeTraces(Buffer.from(JSON.stringify(json)));
    expect(first).toMatchObject({
      traceId: 'ab',
      kind: 2,
      statusCode: 2,
      startTimeMs: 1e9,
      endTimeMs: 1000002,
    });
    expect(second?.endTimeMs).toBeNaN();
  });

  it('round-trips OTLP JSON into protobuf for replay', () => {
    const fromJson = decodeTraces(otlpJson(sdkSpans));
    const json = JSON.parse(Buffer.from(otlpJson(sdkSpans)).toString('utf8')) as unknown;
    const viaProtobuf = decodeTraces(encodeProtobufTracesFromJson(json));
    expect(viaProtobuf.map((s) => [s.traceId, s.spanId, s.name, s.kind, s.statusCode])).toEqual(
      fromJson.map((s) => [s.traceId, s.spanId, s.name, s.kind, s.statusCode]),
    );
  });
});

describe('parent span ids', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer(
    't',
  );
  const parent = tracer.startSpan('ai.toolCall');
  tracer.startSpan('search.tool', {}, trace.setSpan(context.active(), parent)).end();
  parent.end();
  const spans = exporter.getFinishedSpans();

  it.each([
    ['protobuf', () => decodeTraces(otlpProtobuf(spans))],
    ['JSON', () => decodeTraces(otlpJson(spans))],
    [
      'JSON re-encoded as protobuf (replay, the intake)',
      () => decodeTraces(encodeProtobufTracesFromJson(JSON.parse(Buffer.from(otlpJson(spans)).toString()))),
    ],
  ])('are kept from %s, empty for a root', (_encoding, decode) => {
    const byName = new Map(decode().map((span) => [span.name, span]));
    expect(byName.get('search.tool')?.parentSpanId).toBe(byName.get('ai.toolCall')?.spanId);
    expect(byName.get('ai.toolCall')?.parentSpanId).toBe('');
  });
});
