import { KafkaSpanRecordSink, OtlpGrpcIntake, OtlpTraceIntake, type SpanRecordSink } from '@budgetwatch/api';
import { createLogger } from '@budgetwatch/logger';
import { waitFor } from '@budgetwatch/testkit';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAgentCalls } from '../support/agent-spans.js';
import { useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { grpcExport, grpcTraceExporter, partialSuccess, retryDelaySeconds } from '../support/otlp-grpc.js';
import { poisonNotes, protobufExport, protobufToolSpan } from '../support/poison-spans.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('otlp-grpc-intake');
const logger = createLogger({ name: 'test-grpc-intake', level: 'silent' });
const TOKEN = 'grpc-intake-token-0123456789';
const MAX_BODY_BYTES = 256 * 1024;

/** A gRPC intake over its own OtlpTraceIntake writing to `sink`, on a free loopback port. */
async function serveGrpc(
  sink: SpanRecordSink,
  options: { token?: string; maxInFlightBytes?: number } = {},
): Promise<{ intake: OtlpTraceIntake; grpc: OtlpGrpcIntake; address: string }> {
  const intake = new OtlpTraceIntake({
    sink,
    maxBodyBytes: MAX_BODY_BYTES,
    ...(options.maxInFlightBytes === undefined ? {} : { maxInFlightBytes: options.maxInFlightBytes }),
  });
  const grpc = new OtlpGrpcIntake({ intake, token: options.token ?? null, logger });
  const port = await grpc.listen(0, '127.0.0.1');
  return { intake, grpc, address: `127.0.0.1:${port}` };
}

describe('OTLP/gRPC intake on the real broker and Redis', () => {
  const workers = useIngestWorkers(namespace);
  let sink: KafkaSpanRecordSink;
  let served: Awaited<ReturnType<typeof serveGrpc>>;

  beforeAll(async () => {
    const spanTopic = await topics.create('grpc-intake-spans', { partitions: 2 });
    await workers.start(
      { spanTopic, deadLetterTopic: await topics.create('grpc-intake-dlq') },
      { commitIntervalMs: 200 },
    );
    sink = new KafkaSpanRecordSink(testKafka('grpc-intake'), spanTopic);
    served = await serveGrpc(sink, { token: TOKEN });
  });
  afterAll(async () => {
    await served?.grpc.close();
    await sink?.close();
  });

  const window = (server: string, tool: string) =>
    workers.store.readWindow({ server, tool, drill: false }, 3_600_000, Date.now(), { sketch: false });

  it('the OTel JS gRPC exporter delivers spans that land exactly in the windows, gzip too', async () => {
    await recordAgentCalls(grpcTraceExporter(served.address, { token: TOKEN }), {
      server: 'grpc-mcp',
      tool: 'search',
      count: 40,
      failing: 4,
    });
    await recordAgentCalls(grpcTraceExporter(served.address, { token: TOKEN, gzip: true }), {
      server: 'grpc-mcp',
      tool: 'search',
      count: 60,
      failing: 6,
    });
    await waitFor(async () => (await window('grpc-mcp', 'search')).calls >= 100 || undefined, {
      description: 'the gRPC spans in the windows',
      timeoutMs: 30_000,
    });
    expect(await window('grpc-mcp', 'search')).toMatchObject({ calls: 100, errors: 10 });
    expect(served.intake.metrics.spansAccepted).toBe(100);
  });

  it('refuses exports without the token, or with another, as UNAUTHENTICATED, and they change no window', async () => {
    const accepted = served.intake.metrics.requestsAccepted;
    for (const token of [undefined, 'not-the-token-of-the-agents']) {
      await expect(
        recordAgentCalls(grpcTraceExporter(served.address, token === undefined ? {} : { token }), {
          server: 'grpc-forged',
          tool: 'refund',
          count: 50,
          failing: 50,
        }),
      ).rejects.toMatchObject([{ code: status.UNAUTHENTICATED }]);
    }
    const raw = await grpcExport(served.address, protobufExport([protobufToolSpan('grpc-forged', 1)]));
    expect(raw.error?.code).toBe(status.UNAUTHENTICATED);
    expect(raw.error?.details).toContain('bearer token');
    expect(served.intake.metrics.requestsAccepted).toBe(accepted);
    // Spans sent with the token after the forged ones are counted; the forged ones never were.
    await recordAgentCalls(grpcTraceExporter(served.address, { token: TOKEN }), {
      server: 'grpc-forged',
      tool: 'lookup',
      count: 5,
      failing: 0,
    });
    await waitFor(async () => (await window('grpc-forged', 'lookup')).calls === 5 || undefined, {
      description: 'the tokened spans in the windows',
      timeoutMs: 30_000,
    });
    expect((await window('grpc-forged', 'refund')).calls).toBe(0);
  });

  it('answers INVALID_ARGUMENT with a message for a payload that is not OTLP traces, or whose every span is poison', async () => {
    const rejected = served.intake.metrics.requestsRejected.bad_payload ?? 0;
    const garbage = await grpcExport(served.address, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x01]), {
      token: TOKEN,
    });
    expect(garbage.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(garbage.error?.details).toContain('not OTLP trace data');
    const allPoison = await grpcExport(
      served.address,
      protobufExport([protobufToolSpan('grpc-poison', 900, poisonNotes.tooDeep())]),
      { token: TOKEN },
    );
    expect(allPoison.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(allPoison.error?.details).toContain('no span can be accepted: attribute_nesting');
    expect(served.intake.metrics.requestsRejected.bad_payload).toBe(rejected + 2);
  });

  it('keeps the good spans of a mixed export and answers OK with partial_success for the poison one', async () => {
    const result = await grpcExport(
      served.address,
      protobufExport([
        ...Array.from({ length: 5 }, (_, i) => protobufToolSpan('grpc-poison', 100 + i)),
        protobufToolSpan('grpc-poison', 200, poisonNotes.tooDeep()),
      ]),
      { token: TOKEN, gzip: true },
    );
    expect(result.error).toBeNull();
    const partial = partialSuccess(result.response as Buffer);
    expect(partial?.rejectedSpans).toBe(1);
    expect(partial?.errorMessage).toContain('attribute_nesting');
    await waitFor(async () => (await window('grpc-poison', 'refund')).calls === 5 || undefined, {
      description: 'the 5 good spans in the windows',
      timeoutMs: 30_000,
    });
    const full = await grpcExport(served.address, protobufExport([protobufToolSpan('grpc-poison', 300)]), {
      token: TOKEN,
    });
    expect(full.error).toBeNull();
    expect(partialSuccess(full.response as Buffer)).toBeNull();
  });

  it('refuses messages above the body limit, compressed or not, with RESOURCE_EXHAUSTED (not retryable)', async () => {
    const large = await grpcExport(served.address, Buffer.alloc(MAX_BODY_BYTES + 1024, 0x20), {
      token: TOKEN,
    });
    expect(large.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const bomb = await grpcExport(served.address, Buffer.alloc(4 * MAX_BODY_BYTES), {
      token: TOKEN,
      gzip: true,
    });
    expect(bomb.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(bomb.error?.details).toContain('decompresses to a size larger than');
    expect(retryDelaySeconds(bomb.error as NonNullable<typeof bomb.error>)).toBeUndefined();
  });

  it('answers the metrics and logs services UNIMPLEMENTED, saying it accepts traces only', async () => {
    for (const signal of ['metrics', 'logs'] as const) {
      const result = await grpcExport(served.address, Buffer.alloc(0), { signal });
      expect(result.error?.code, signal).toBe(status.UNIMPLEMENTED);
      expect(result.error?.details, signal).toContain('Budgetwatch accepts traces only');
    }
  });
});

describe('OTLP/gRPC intake when the span topic does not take the write', () => {
  it('answers UNAVAILABLE with a RetryInfo of 5 s when the sink fails', async () => {
    const down = await serveGrpc({ send: () => Promise.reject(new Error('broker down')) });
    try {
      const result = await grpcExport(down.address, protobufExport([protobufToolSpan('grpc-down', 1)]));
      expect(result.error?.code).toBe(status.UNAVAILABLE);
      expect(result.error?.details).toBe('the span topic is unavailable; retry');
      expect(retryDelaySeconds(result.error as NonNullable<typeof result.error>)).toBe(5);
      expect(down.intake.metrics.requestsThrottled).toBe(1);
    } finally {
      await down.grpc.close();
    }
  });

  it('answers UNAVAILABLE with a RetryInfo of 1 s when too much is in flight, and OK once written', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let sending = false;
    const firstExport = protobufExport([protobufToolSpan('grpc-slow', 1)]);
    // Room for one export in flight: a protobuf export that reads whole is written as it is.
    const slow = await serveGrpc(
      {
        send: () => {
          sending = true;
          return held;
        },
      },
      { maxInFlightBytes: firstExport.length + 1 },
    );
    try {
      const first = grpcExport(slow.address, firstExport);
      await waitFor(() => sending, { description: 'the first export to reach the sink', timeoutMs: 5000 });
      const second = await grpcExport(slow.address, protobufExport([protobufToolSpan('grpc-slow', 2)]));
      expect(second.error?.code).toBe(status.UNAVAILABLE);
      expect(retryDelaySeconds(second.error as NonNullable<typeof second.error>)).toBe(1);
      release();
      expect((await first).error).toBeNull();
    } finally {
      release();
      await slow.grpc.close();
    }
  });
});
