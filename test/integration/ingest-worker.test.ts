import { randomUUID } from 'node:crypto';
import { IngestWorker } from '@budgetwatch/ingest-worker';
import { DeadLetterHeader } from '@budgetwatch/kafka';
import { createLogger } from '@budgetwatch/logger';
import {
  otlpJson,
  otlpProtobuf,
  recordToolCallSpans,
  type ToolCallSpanSpec,
  waitFor,
} from '@budgetwatch/testkit';
import { RedisWindowStore } from '@budgetwatch/window-store';
import { afterAll, describe, expect, it } from 'vitest';
import { testKafka, useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const HOUR = 3600_000;
const topics = useTopics();
const namespace = await useRedisNamespace('ingest-worker');

describe('ingest worker on the real broker and Redis', () => {
  const kafka = testKafka();
  const store = new RedisWindowStore(namespace.client, namespace.prefix, { thresholdsMs: [3000] });
  let worker: IngestWorker | undefined;
  afterAll(async () => {
    await worker?.stop();
  });

  it('counts OpenTelemetry SDK spans exactly per series, in both encodings, and dead-letters bad records', async () => {
    const spanTopic = await topics.create('spans', { partitions: 3 });
    const dlqTopic = await topics.create('dlq', { partitions: 1 });
    const now = Date.now();
    const at = (i: number) => now - 60_000 - i * 7_000;

    const search: ToolCallSpanSpec[] = Array.from({ length: 10 }, (_, i) => ({
      tool: 'search',
      server: 'docs',
      endTimeMs: at(i),
      durationMs: i < 2 ? 4000 : 100,
      error: i >= 7,
    }));
    const write: ToolCallSpanSpec[] = Array.from({ length: 7 }, (_, i) => ({
      tool: 'write',
      server: 'docs',
      convention: 'merged',
      endTimeMs: at(i),
      durationMs: 50,
      policyDenied: i >= 5,
    }));
    const serverSide: ToolCallSpanSpec[] = Array.from({ length: 4 }, (_, i) => ({
      tool: 'search',
      server: 'docs',
      side: 'server',
      endTimeMs: at(i),
      durationMs: 90,
    }));
    const lookup: ToolCallSpanSpec[] = Array.from({ length: 3 }, (_, i) => ({
      tool: 'lookup',
      convention: 'name-only',
      serverAddress: { address: 'geo.internal', port: 7000 },
      endTimeMs: at(i),
      durationMs: 20,
      fallback: i === 0,
    }));
    const genai: ToolCallSpanSpec[] = [
      { tool: 'calc', server: 'math', convention: 'genai', endTimeMs: at(1), durationMs: 5 },
    ];

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: spanTopic,
      messages: [
        { key: null, value: Buffer.from(otlpProtobuf(recordToolCallSpans([...search, ...serverSide]))) },
        { key: null, value: Buffer.from(otlpJson(recordToolCallSpans(write))) },
        { key: 'k', value: Buffer.from(otlpProtobuf(recordToolCallSpans([...lookup, ...genai]))) },
        { key: 'poison', value: Buffer.from('{"resourceSpans": [ truncated') },
      ],
    });
    await producer.disconnect();

    worker = new IngestWorker({
      kafka,
      store,
      logger: createLogger({ name: 'ingest-test', level: 'silent' }),
      spanTopics: [spanTopic],
      deadLetterTopic: dlqTopic,
      groupId: `bwtest-ingest-${randomUUID()}`,
      latencyThresholdsMs: [3000],
    });
    await worker.start();

    const current = worker;
    await waitFor(() => current.metrics.records === 4 && current.metrics.callsApplied === 21, {
      description: 'all records processed',
      timeoutMs: 30_000,
    });

    const read = (server: string, tool: string | null, windowMs = 2 * HOUR) =>
      store.readWindow({ server, tool, drill: false }, windowMs, Date.now());
    const searchWindow = await read('docs', 'search');
    expect(searchWindow).toMatchObject({
      calls: 10,
      errors: 3,
      blockedExpected: 0,
      blockedUnexpected: 0,
      fallbacks: 0,
      slow: [2],
    });
    expect(await read('docs', 'write', 24 * HOUR)).toMatchObject({
      calls: 7,
      errors: 0,
      blockedUnexpected: 2,
    });
    expect(await read('docs', null)).toMatchObject({ calls: 17, errors: 3, blockedUnexpected: 2, slow: [2] });
    expect(await read('geo.internal:7000', 'lookup')).toMatchObject({ calls: 3, fallbacks: 1 });
    expect(await read('math', 'calc')).toMatchObject({ calls: 1 });
    expect(current.metrics).toMatchObject({
      otherPerspective: 4,
      toolCalls: 21,
      deadLettered: { invalid_json: 1 },
    });

    const dlqConsumer = kafka.consumer({ groupId: `bwtest-dlq-${randomUUID()}` });
    const letters: { key: string | undefined; headers: Record<string, string> }[] = [];
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    await dlqConsumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        letters.push({ key: message.key?.toString(), headers });
      },
    });
    await waitFor(() => letters.length >= 1, { description: 'the dead letter', timeoutMs: 20_000 });
    await dlqConsumer.disconnect();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.key).toBe('poison');
    expect(letters[0]?.headers).toMatchObject({
      [DeadLetterHeader.reason]: 'invalid_json',
      [DeadLetterHeader.sourceTopic]: spanTopic,
    });
    expect(Number(letters[0]?.headers[DeadLetterHeader.sourceOffset])).toBeGreaterThanOrEqual(0);
  });
});
