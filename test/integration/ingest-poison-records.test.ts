import { randomUUID } from 'node:crypto';
import { DeadLetterHeader } from '@budgetwatch/kafka';
import { waitFor } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { poisonNotes, protobufExport, protobufToolSpan } from '../support/poison-spans.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('ingest-poison');

/**
 * A record that another producer wrote with bad spans among good ones (before: the whole record,
 * good spans included, went to the dead letters).
 */
describe('ingest worker: a span-topic record mixing good and bad spans', () => {
  const workers = useIngestWorkers(namespace);

  it('counts the good spans, repairs invalid UTF-8, and dead-letters only the unreadable span', async () => {
    const spanTopic = await topics.create('poison-spans');
    const deadLetterTopic = await topics.create('poison-dlq');
    const worker = await workers.start({ spanTopic, deadLetterTopic }, { commitIntervalMs: 200 });
    const producer = testKafka().producer();
    await producer.connect();
    const record = protobufExport([
      ...Array.from({ length: 8 }, (_, i) => protobufToolSpan('mixed', 100 + i)),
      protobufToolSpan('mixed', 200, poisonNotes.invalidUtf8()),
      protobufToolSpan('mixed', 300, poisonNotes.tooDeep()),
    ]);
    await producer.send({ topic: spanTopic, messages: [{ value: Buffer.from(record) }] });
    await producer.disconnect();

    await waitFor(() => worker.metrics.callsApplied >= 9, {
      description: 'the readable spans counted',
      timeoutMs: 30_000,
    });
    const window = await workers.store.readWindow(
      { server: 'mixed', tool: 'refund', drill: false },
      3_600_000,
      Date.now(),
    );
    expect(window.calls).toBe(9);
    expect(worker.metrics.deadLettered).toEqual({ attribute_nesting: 1 });

    const reader = testKafka().consumer({ groupId: `bwtest-poison-dlq-${randomUUID()}` });
    const letters: { reason: string; detail: string }[] = [];
    await reader.connect();
    await reader.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        letters.push({
          reason: message.headers?.[DeadLetterHeader.reason]?.toString() ?? '',
          detail: message.headers?.[DeadLetterHeader.detail]?.toString() ?? '',
        });
      },
    });
    try {
      await waitFor(() => letters.length === 1, { description: 'one dead letter', timeoutMs: 30_000 });
      expect(letters[0]?.reason).toBe('attribute_nesting');
      expect(letters[0]?.detail).toContain("1 of the record's spans");
    } finally {
      await reader.disconnect();
    }
  });
});
