import { KafkaSpanExporter } from '@budgetwatch/otel-kafka-exporter';
import { decodeTraces } from '@budgetwatch/otlp';
import { waitFor } from '@budgetwatch/testkit';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const HOUR = 3600_000;
const topics = useTopics();
const namespace = await useRedisNamespace('otel-kafka-exporter');

describe('KafkaSpanExporter in the OpenTelemetry JS SDK', () => {
  const workers = useIngestWorkers(namespace);

  it('spans an agent records reach the windows exactly, in the Collector kafka exporter format', async () => {
    const spanTopic = await topics.create('exporter-spans', { partitions: 2 });
    const deadLetterTopic = await topics.create('exporter-dlq');
    const exporter = new KafkaSpanExporter({ kafka: testKafka('agent'), topic: spanTopic });
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'billing-agent' }),
      spanProcessors: [
        new BatchSpanProcessor({ exporter, maxExportBatchSize: 64, scheduledDelayMillis: 50 }),
      ],
    });
    const tracer = provider.getTracer('agent');
    const now = Date.now();
    const calls = 500;
    for (let i = 0; i < calls; i++) {
      const tool = i % 4 === 0 ? 'refund' : 'lookup';
      const span = tracer.startSpan(`tools/call ${tool}`, {
        kind: SpanKind.CLIENT,
        startTime: now - 60_000 - i * 100,
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': tool,
          'mcp.server.name': 'payments',
        },
      });
      if (i % 10 === 0) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(now - 60_000 - i * 100 + 40);
    }
    await provider.forceFlush();
    await provider.shutdown();

    // What is on the topic: unkeyed records, each an OTLP protobuf export of up to 64 spans.
    const records: { key: Buffer | null; spans: number }[] = [];
    const reader = testKafka().consumer({ groupId: `bwtest-exporter-reader-${now}` });
    await reader.connect();
    await reader.subscribe({ topic: spanTopic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        records.push({ key: message.key, spans: decodeTraces(message.value).length });
      },
    });
    await waitFor(() => records.reduce((n, r) => n + r.spans, 0) >= calls, {
      description: 'every exported span on the topic',
      timeoutMs: 30_000,
    });
    await reader.disconnect();
    expect(records.every((record) => record.key === null && record.spans <= 64)).toBe(true);

    const worker = await workers.start({ spanTopic, deadLetterTopic });
    await waitFor(() => worker.metrics.callsApplied === calls, {
      description: `${calls} calls counted`,
      timeoutMs: 60_000,
    });
    const read = (tool: string | null) =>
      workers.store.readWindow({ server: 'payments', tool, drill: false }, 2 * HOUR, Date.now());
    const refund = await read('refund');
    const lookup = await read('lookup');
    expect({ calls: refund.calls, errors: refund.errors }).toEqual({ calls: 125, errors: 25 });
    expect({ calls: lookup.calls, errors: lookup.errors }).toEqual({ calls: 375, errors: 25 });
    expect((await read(null)).calls).toBe(calls);
    expect(worker.metrics.deadLettered).toEqual({});
  });

  it('keys one record per trace with partitionTracesById, and reports a failed export', async () => {
    const spanTopic = await topics.create('exporter-keyed', { partitions: 3 });
    const exporter = new KafkaSpanExporter({
      kafka: testKafka('agent-keyed'),
      topic: spanTopic,
      partitionTracesById: true,
    });
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
    const tracer = provider.getTracer('agent');
    const traceIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const parent = tracer.startSpan('agent turn');
      traceIds.push(parent.spanContext().traceId);
      parent.end();
    }
    await provider.forceFlush();
    await provider.shutdown();
    const end = await topics.admin.fetchTopicOffsets(spanTopic);
    expect(end.reduce((n, p) => n + Number(p.high), 0)).toBe(5);

    const keys: string[] = [];
    const reader = testKafka().consumer({ groupId: `bwtest-exporter-keyed-${Date.now()}` });
    await reader.connect();
    await reader.subscribe({ topic: spanTopic, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void keys.push(message.key?.toString() ?? '') });
    await waitFor(() => keys.length === 5, { description: 'five keyed records', timeoutMs: 30_000 });
    await reader.disconnect();
    expect(keys.sort()).toEqual(traceIds.sort());

    // After shutdown an export fails instead of hanging or throwing.
    const result = await new Promise<{ code: number }>((resolve) => exporter.export([], resolve));
    expect(result.code).toBe(1);
  });
});
