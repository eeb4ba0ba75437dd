/**
 * The guard on the compacted topic when the broker goes away: a private broker (the shared one
 * cannot be stopped) is halted; the feed goes stale after staleAfterMs, the guard fails closed,
 * and once the broker is back the feed is fresh again and follows the changes made since.
 */

import { guardCallTool, type SubjectDecisions } from '@budgetwatch/mcp-guard';
import { KafkaDecisionFeed } from '@budgetwatch/mcp-guard/kafka';
import { type LocalKafka, startLocalKafka, waitFor } from '@budgetwatch/testkit';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalKafkaBrokers, kafkaCacheDir } from '../setup/test-bed.js';

const SERVER = 'payments-mcp';
const TOPIC = 'decisions';

function frozen(tool: string): SubjectDecisions {
  const since = '2026-11-28T10:00:00.000Z';
  return {
    key: `${SERVER}/${tool}`,
    server: SERVER,
    tool,
    fallbackMode: null,
    decisions: [{ kind: 'frozen', since, causes: [{ rule: 'error-rate', since, eventId: 'e1' }] }],
  };
}

describe.skipIf(externalKafkaBrokers() !== undefined)('the guard on the decisions topic: broker down', () => {
  let broker: LocalKafka;
  let kafka: Kafka;
  let producer: Producer;
  let feed: KafkaDecisionFeed;

  beforeAll(async () => {
    broker = await startLocalKafka({ cacheDir: kafkaCacheDir(), heap: '384m' });
    kafka = new Kafka({ clientId: 'guard-outage-test', brokers: broker.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await feed?.close();
    await producer?.disconnect();
    await broker?.stop();
  }, 120_000);

  it('fails closed after staleAfterMs without the broker, and recovers when it returns', async () => {
    await producer.send({
      topic: TOPIC,
      messages: [{ key: `${SERVER}/charge`, value: JSON.stringify(frozen('charge')) }],
    });
    feed = new KafkaDecisionFeed({ kafka, topic: TOPIC, maxWaitTimeInMs: 200, sessionTimeoutMs: 6_000 });
    await feed.start();
    await feed.whenSynced(30_000);
    let calls = 0;
    const guarded = guardCallTool(
      async () => {
        calls += 1;
        return { content: [{ type: 'text', text: 'done' }] };
      },
      { server: SERVER, feed, staleAfterMs: 2_000, whenStale: 'closed' },
    );
    expect((await guarded({ name: 'charge' })).isError).toBe(true);
    expect((await guarded({ name: 'refund' })).isError).toBeUndefined();

    await broker.halt();
    const stale = await waitFor(
      async () => {
        const result = await guarded({ name: 'refund' });
        return result.isError === true ? result : undefined;
      },
      { description: 'the guard to fail closed', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(JSON.stringify(stale.content)).toContain('the decision feed is stale');
    const callsWhileDown = calls;

    await broker.restart();
    await producer.send({ topic: TOPIC, messages: [{ key: `${SERVER}/charge`, value: null }] });
    await waitFor(async () => (await guarded({ name: 'charge' })).isError === undefined, {
      description: 'the feed back, with the tombstone applied',
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    expect(calls).toBeGreaterThan(callsWhileDown);
    expect(feed.subject(SERVER, 'charge')).toBeUndefined();
  }, 120_000);
});
