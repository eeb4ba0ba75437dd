import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { committedRecords, residentMemoryMiB, waitFor } from '@budgetwatch/testkit';
import { RedisWindowStore } from '@budgetwatch/window-store';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { spawnBudgetwatch } from '../support/cli.js';
import { testKafka, useTopics, waitForGroupCaughtUp } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { type SlowTcpProxy, startSlowTcpProxy } from '../support/slow-tcp-proxy.js';
import { SPANS_PER_RECORD, toolCallRecord } from '../support/tool-call-records.js';
import { expectExactCounts } from '../support/window-assertions.js';

const PARTITIONS = 3;
const CHUNKS = 6;
const RECORDS_PER_CHUNK = 1000;
const RECORDS = CHUNKS * RECORDS_PER_CHUNK;
const MAX_BATCH_BYTES = 256 * 1024;
const PARTITIONS_CONCURRENCY = 3;
const REDIS_DELAY_MS = 100;
const MIB = 1024 * 1024;

/**
 * While Redis is slow the backlog grows in Kafka, not in the worker. Over the second half of the
 * flood (the first half warms the heap up) the worker's peak memory may rise by at most half of
 * what the backlog grew meanwhile: a worker that took the backlog in would rise by all of it and
 * more. The absolute limit of docs/operations.md depends on the runtime and the machine, so
 * `npm run bench` measures it rather than this test.
 */
const GROWTH_SHARE_ALLOWED = 0.5;

const topics = useTopics();
const namespace = await useRedisNamespace('backpressure');

describe('ingest worker against a slow Redis', () => {
  let proxy: SlowTcpProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
  });

  it('fetches no faster than it writes, its memory does not follow the backlog, and it counts exactly once the delay ends', async () => {
    const spanTopic = await topics.create('backpressure-spans', { partitions: PARTITIONS });
    const dlqTopic = await topics.create('backpressure-dlq');
    const groupId = `bwtest-backpressure-${randomUUID()}`;
    const redisUrl = new URL(inject('testBed').redisUrl);
    proxy = await startSlowTcpProxy(
      { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
      REDIS_DELAY_MS,
    );
    const proxiedUrl = new URL(redisUrl);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxy.port);

    const worker = spawnBudgetwatch(['ingest-worker'], {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: proxiedUrl.href,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_SPAN_TOPICS: spanTopic,
      BUDGETWATCH_DLQ_TOPIC: dlqTopic,
      BUDGETWATCH_INGEST_GROUP_ID: groupId,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '10000',
      BUDGETWATCH_INGEST_COMMIT_INTERVAL_MS: '200',
      BUDGETWATCH_INGEST_MAX_BATCH_BYTES: String(MAX_BATCH_BYTES),
      BUDGETWATCH_INGEST_PARTITIONS_CONCURRENCY: String(PARTITIONS_CONCURRENCY),
    });
    // Its log lines are not needed, but a full pipe would stall it.
    worker.stdout?.resume();
    worker.stderr?.resume();
    const pid = worker.pid ?? 0;
    let peakMiB = 0;
    let chunkPeakMiB = 0;
    const sampler = setInterval(() => {
      const rss = residentMemoryMiB(pid) ?? 0;
      peakMiB = Math.max(peakMiB, rss);
      chunkPeakMiB = Math.max(chunkPeakMiB, rss);
    }, 100);

    const committed = () => committedRecords(topics.admin, groupId, spanTopic);
    const producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    const now = Date.now();
    try {
      // Wait for the worker to be counting before the flood, so lag measures it and not its start.
      await producer.send({ topic: spanTopic, messages: [{ value: toolCallRecord(0, now), partition: 0 }] });
      await waitFor(async () => (await committed()) >= 1, {
        description: 'the worker to count the first record through the slow proxy',
        timeoutMs: 60_000,
      });
      const idleMiB = residentMemoryMiB(pid) ?? 0;

      const lags: number[] = [];
      const chunkPeaks: number[] = [];
      for (let chunk = 0; chunk < CHUNKS; chunk++) {
        chunkPeakMiB = residentMemoryMiB(pid) ?? 0;
        const first = 1 + chunk * RECORDS_PER_CHUNK;
        const messages = Array.from({ length: RECORDS_PER_CHUNK }, (_, i) => ({
          value: toolCallRecord(first + i, now),
          partition: (first + i) % PARTITIONS,
        }));
        for (let i = 0; i < messages.length; i += 100) {
          await producer.send({ topic: spanTopic, messages: messages.slice(i, i + 100) });
        }
        lags.push(first + RECORDS_PER_CHUNK - (await committed()));
        chunkPeaks.push(chunkPeakMiB);
      }
      const progressWhileSlow = await committed();
      const recordMiB = toolCallRecord(1, now).length / MIB;
      const half = CHUNKS / 2;
      const backlogGrowthMiB = ((lags.at(-1) ?? 0) - (lags[half - 1] ?? 0)) * recordMiB;
      const memoryGrowthMiB = Math.max(...chunkPeaks.slice(half)) - Math.max(...chunkPeaks.slice(0, half));
      const allowedMiB = GROWTH_SHARE_ALLOWED * backlogGrowthMiB;
      console.info(
        `[backpressure] lag after each chunk ${lags.join(', ')}; committed ${progressWhileSlow} of ${RECORDS + 1}; ` +
          `RSS idle ${idleMiB.toFixed(1)} MiB, peak per chunk ${chunkPeaks.map((peak) => peak.toFixed(1)).join(', ')} MiB; ` +
          `over the second half the backlog grew ${backlogGrowthMiB.toFixed(1)} MiB, memory ${memoryGrowthMiB.toFixed(1)} MiB (allowed ${allowedMiB.toFixed(1)} MiB)`,
      );
      // (a) The worker falls behind instead of taking everything in: the lag grows chunk by chunk.
      for (let chunk = 1; chunk < CHUNKS; chunk++) {
        expect(lags[chunk], `lag after chunk ${chunk}`).toBeGreaterThan(lags[chunk - 1] ?? 0);
      }
      expect(progressWhileSlow).toBeGreaterThan(1);
      // (b) Its memory does not follow the lag: the backlog stays in Kafka.
      expect(backlogGrowthMiB).toBeGreaterThan(16);
      expect(memoryGrowthMiB).toBeLessThan(allowedMiB);

      // (c) Redis fast again: everything is counted, exactly once.
      proxy.delayMs = 0;
      await waitForGroupCaughtUp(topics.admin, groupId, spanTopic, 120_000);
      console.info(`[backpressure] peak RSS over the run, catch-up included: ${peakMiB.toFixed(1)} MiB`);
      expect(peakMiB).toBeGreaterThan(0);
      const store = new RedisWindowStore(namespace.client, namespace.prefix, { thresholdsMs: [3000] });
      await expectExactCounts(store, (RECORDS + 1) * SPANS_PER_RECORD);
    } finally {
      clearInterval(sampler);
      await producer.disconnect();
      if (worker.exitCode === null) {
        worker.kill('SIGTERM');
        await once(worker, 'exit');
      }
    }
  }, 300_000);
});
