import { createHash } from 'node:crypto';
import { DeadLetterHeader } from '@budgetwatch/kafka';
import { waitFor } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { toolCallRecord } from '../support/tool-call-records.js';
import { expectExactCounts } from '../support/window-assertions.js';

const BAD_PAYLOADS = 10_000;
const VALID_RECORDS = 400;
const SPANS_PER_VALID_RECORD = 20;
const SEED = 20261125;
const REASONS = new Set(['empty_record', 'invalid_protobuf', 'invalid_json', 'not_otlp_traces']);

const topics = useTopics();
const namespace = await useRedisNamespace('ingest-fuzz');

/** mulberry32: a small seeded generator, so a failing payload can be reproduced from the seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Truncated protobuf and JSON trace records, random bytes, JSON that is not trace data, empty values. */
function badPayload(random: () => number, template: Buffer, jsonTemplate: Buffer): Buffer {
  const pick = Math.floor(random() * 5);
  const randomBytes = (length: number) =>
    Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
  switch (pick) {
    case 0:
      return template.subarray(0, 1 + Math.floor(random() * (template.length - 1)));
    case 1:
      return jsonTemplate.subarray(0, 1 + Math.floor(random() * (jsonTemplate.length - 1)));
    case 2:
      return randomBytes(1 + Math.floor(random() * 600));
    case 3:
      return Buffer.from(JSON.stringify({ resourceMetrics: [], n: random() }));
    default:
      return Buffer.alloc(0);
  }
}

const digest = (bytes: Buffer | null) =>
  createHash('sha256')
    .update(bytes ?? Buffer.alloc(0))
    .digest('hex');

describe('ingest worker under a fuzzed stream', () => {
  const workers = useIngestWorkers(namespace);
  const store = workers.store;

  it(`${BAD_PAYLOADS} random or truncated payloads: each dead-lettered once with a reason, every valid span counted`, async () => {
    const spanTopic = await topics.create('fuzz-spans', { partitions: 3 });
    const deadLetterTopic = await topics.create('fuzz-dlq', { partitions: 1 });
    const now = Date.now();
    const random = seededRandom(SEED);
    const template = toolCallRecord(999_999, now, 3);
    const jsonTemplate = Buffer.from(
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'tools/call x' }] }] }] }),
    );

    // Valid records at random places among the bad ones.
    const stream: { value: Buffer; valid: boolean }[] = [];
    let valid = 0;
    for (let bad = 0; bad < BAD_PAYLOADS; bad++) {
      if (valid < VALID_RECORDS && random() < VALID_RECORDS / BAD_PAYLOADS) {
        stream.push({ value: toolCallRecord(valid++, now, SPANS_PER_VALID_RECORD), valid: true });
      }
      stream.push({ value: badPayload(random, template, jsonTemplate), valid: false });
    }
    while (valid < VALID_RECORDS) {
      stream.push({ value: toolCallRecord(valid++, now, SPANS_PER_VALID_RECORD), valid: true });
    }

    const worker = await workers.start({ spanTopic, deadLetterTopic });
    const producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    for (let i = 0; i < stream.length; i += 500) {
      await producer.send({
        topic: spanTopic,
        messages: stream.slice(i, i + 500).map(({ value }) => ({ value })),
      });
    }

    const validSpans = VALID_RECORDS * SPANS_PER_VALID_RECORD;
    await waitFor(() => worker.metrics.callsApplied === validSpans, {
      description: `${validSpans} valid spans counted`,
      timeoutMs: 120_000,
    });
    await expectExactCounts(store, validSpans);

    // The dead-letter topic holds exactly the bad payloads, byte for byte, each with a reason; a
    // payload the generator made again (short truncations repeat) once: the first position to read
    // it claims it, and a copy is skipped whole. Empty records carry nothing to claim: each one.
    const bad = stream.filter((entry) => !entry.valid).map((entry) => entry.value);
    const expected = [
      ...new Set(bad.filter((value) => value.length > 0).map(digest)),
      ...bad.filter((value) => value.length === 0).map(digest),
    ];
    const received: string[] = [];
    const reasons = new Map<string, number>();
    const consumer = testKafka().consumer({ groupId: `bwtest-fuzz-dlq-${now}` });
    await consumer.connect();
    await consumer.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const reason = message.headers?.[DeadLetterHeader.reason]?.toString() ?? 'missing';
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        expect(message.headers?.[DeadLetterHeader.sourceOffset]).toBeDefined();
        received.push(digest(message.value));
      },
    });
    await waitFor(() => received.length >= expected.length, {
      description: `${expected.length} dead letters`,
      timeoutMs: 60_000,
    });
    await consumer.disconnect();
    expect(received.sort()).toEqual(expected.sort());
    for (const reason of reasons.keys()) expect(REASONS).toContain(reason);
    const deadLettered = Object.values(worker.metrics.deadLettered).reduce((a, b) => a + (b ?? 0), 0);
    expect(deadLettered).toBe(expected.length);
    expect(worker.metrics.duplicateRecords).toBe(BAD_PAYLOADS - expected.length);
    expect(worker.metrics.duplicateRecords).toBeGreaterThan(0);

    // Still up and counting.
    await producer.send({
      topic: spanTopic,
      messages: [{ value: toolCallRecord(VALID_RECORDS, now, SPANS_PER_VALID_RECORD) }],
    });
    await producer.disconnect();
    await waitFor(() => worker.metrics.callsApplied === validSpans + SPANS_PER_VALID_RECORD, {
      description: 'a record produced after the fuzzing is counted',
      timeoutMs: 30_000,
    });
  }, 300_000);
});
