import { gzipSync } from 'node:zlib';
import {
  emptyIntakeMetrics,
  HttpApi,
  KafkaSpanRecordSink,
  OtlpTraceIntake,
  otlpIntakeRoutes,
  type SpanRecordSink,
} from '@budgetwatch/api';
import { createLogger } from '@budgetwatch/logger';
import { exportRecords } from '@budgetwatch/otlp';
import { waitFor } from '@budgetwatch/testkit';
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpHttpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAgentCalls } from '../support/agent-spans.js';
import { useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { jsonExport, jsonToolSpan } from '../support/poison-spans.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('otlp-intake');
const logger = createLogger({ name: 'test-intake', level: 'silent' });
const NO_TOKENS = { read: null, write: null, ingest: null };

describe('OTLP/HTTP intake on the real broker and Redis', () => {
  const workers = useIngestWorkers(namespace);
  const metrics = emptyIntakeMetrics();
  let sink: KafkaSpanRecordSink;
  let intake: HttpApi;
  let url = '';

  beforeAll(async () => {
    const spanTopic = await topics.create('intake-spans', { partitions: 2 });
    await workers.start(
      { spanTopic, deadLetterTopic: await topics.create('intake-dlq') },
      { commitIntervalMs: 200 },
    );
    sink = new KafkaSpanRecordSink(testKafka('intake'), spanTopic);
    intake = new HttpApi({
      routes: otlpIntakeRoutes(new OtlpTraceIntake({ sink, maxBodyBytes: 256 * 1024 }, metrics)),
      tokens: NO_TOKENS,
      logger,
    });
    url = `http://127.0.0.1:${await intake.listen(0, '127.0.0.1')}/v1/traces`;
  });
  afterAll(async () => {
    await intake.close();
    await sink.close();
  });

  const window = (tool: string) =>
    workers.store.readWindow({ server: 'intake-mcp', tool, drill: false }, 3_600_000, Date.now(), {
      sketch: false,
    });

  it.each([
    [
      'http/protobuf',
      (compression: CompressionAlgorithm) => new OtlpHttpProtobufExporter({ url, compression }),
    ],
    ['http/json', (compression: CompressionAlgorithm) => new OtlpHttpJsonExporter({ url, compression })],
  ] as const)(
    'an OTel JS SDK %s exporter delivers spans that appear in the windows, gzip too',
    async (name, exporter) => {
      const tool = `search-${name.replace('/', '-')}`;
      await recordAgentCalls(exporter(CompressionAlgorithm.NONE), {
        server: 'intake-mcp',
        tool,
        count: 40,
        failing: 4,
      });
      await recordAgentCalls(exporter(CompressionAlgorithm.GZIP), {
        server: 'intake-mcp',
        tool,
        count: 60,
        failing: 6,
      });
      await waitFor(async () => (await window(tool)).calls === 100 || undefined, {
        description: `the ${name} spans in the windows`,
        timeoutMs: 30_000,
      });
      expect(await window(tool)).toMatchObject({ calls: 100, errors: 10 });
    },
  );

  it('answers bad payloads with 400 and a google.rpc.Status in the request encoding, and counts them', async () => {
    const before = metrics.requestsRejected.bad_payload ?? 0;
    const proto = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x01]),
    });
    expect(proto.status).toBe(400);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    const reader = protobuf.Reader.create(new Uint8Array(await proto.arrayBuffer()));
    expect(reader.uint32()).toBe(8);
    expect(reader.int32()).toBe(3);
    expect(reader.uint32()).toBe(18);
    expect(reader.string()).toContain('not OTLP trace data');

    const json = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans": 7}',
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ code: 3 });

    const gzip = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: 'not gzip',
    });
    expect(gzip.status).toBe(400);
    expect(metrics.requestsRejected.bad_payload).toBe(before + 3);
  });

  it('answers metrics and logs exports 404 with an OTLP Status saying it accepts traces only', async () => {
    const base = url.replace('/v1/traces', '');
    for (const signal of ['metrics', 'logs']) {
      const json = await fetch(`${base}/v1/${signal}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(json.status, signal).toBe(404);
      expect(json.headers.get('content-type')).toBe('application/json');
      const status = (await json.json()) as { code: number; message: string };
      expect(status.code).toBe(12);
      expect(status.message).toContain('Budgetwatch accepts traces only (POST /v1/traces)');
      expect(status.message).toContain(signal);

      const proto = await fetch(`${base}/v1/${signal}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: Buffer.alloc(0),
      });
      expect(proto.status, signal).toBe(404);
      expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
      const reader = protobuf.Reader.create(new Uint8Array(await proto.arrayBuffer()));
      expect(reader.uint32()).toBe(8);
      expect(reader.int32()).toBe(12);
      expect(reader.uint32()).toBe(18);
      expect(reader.string()).toContain('Budgetwatch accepts traces only');
    }
  });

  it('answers 415 for other media types and 413 above the size limit, compressed or not', async () => {
    const text = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    const large = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(300 * 1024, 32),
    });
    expect(large.status).toBe(413);
    const bomb = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.alloc(2 * 1024 * 1024, 32)),
    });
    expect(bomb.status).toBe(413);
    expect(metrics.requestsRejected.too_large).toBe(1);
    expect(metrics.requestsRejected.unsupported_media_type).toBe(1);
  });

  it('answers 503 with Retry-After when the span topic fails, 429 when too much is in flight', async () => {
    const body = jsonExport([jsonToolSpan('throttled', 1)]);
    // What one request holds in flight: its record, as the intake writes it.
    const recordBytes = exportRecords(Buffer.from(body), 'otlp_json', 900_000).records[0]?.length ?? 0;
    const serve = async (testSink: SpanRecordSink, maxInFlightBytes: number) => {
      const api = new HttpApi({
        routes: otlpIntakeRoutes(new OtlpTraceIntake({ sink: testSink, maxInFlightBytes })),
        tokens: NO_TOKENS,
        logger,
      });
      const port = await api.listen(0, '127.0.0.1');
      return { api, url: `http://127.0.0.1:${port}/v1/traces` };
    };
    const failing = await serve({ send: () => Promise.reject(new Error('broker down')) }, 1024);
    const down = await fetch(failing.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    await failing.api.close();

    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let sending = false;
    const slow = await serve(
      {
        send: () => {
          sending = true;
          return held;
        },
      },
      recordBytes + 1,
    );
    const first = fetch(slow.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await waitFor(() => sending, { description: 'the first request to reach the sink', timeoutMs: 5000 });
    // Another export of the same size (the same one again would be a retry, which waits).
    const second = await fetch(slow.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: jsonExport([jsonToolSpan('throttled', 2)]),
    });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    release();
    expect((await first).status).toBe(200);
    await slow.api.close();
  });
});
