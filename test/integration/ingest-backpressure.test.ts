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
 * The documented memory limit of a worker (docs/operations.md): a baseline for the process, plus
 * the records of one fetch (maxBatchBytes per partition, partitionsConcurrency partitions) several
 * times over, for their decoded spans.
 */
const BASELINE_MIB = 256;
const DECODED_FACTOR = 8;
const RSS_LIMIT_MIB = BASELINE_MIB + (DECODED_FACTOR * MAX_BATCH_BYTES * PARTITIONS_CONCURRENCY) / MIB;

const topics = useTopics();
const namespace = await useRedisNamespace('backpressure');

describe('ingest worker against a slow Redis', () => {
  let proxy: SlowTcpProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
  });

  it(`fetches no faster than it writes, stays under ${RSS_LIMIT_MIB} MiB, and counts exactly once the delay ends`, async () => {
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
    const sampler = setInterval(() => {
      peakMiB = Math.max(peakMiB, residentMemoryMiB(pid) ?? 0);
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
      for (let chunk = 0; chunk < CHUNKS; chunk++) {
        const first = 1 + chunk * RECORDS_PER_CHUNK;
        const messages = Array.from({ length: RECORDS_PER_CHUNK }, (_, i) => ({
          value: toolCallRecord(first + i, now),
          partition: (first + i) % PARTITIONS,
        }));
        for (let i = 0; i < messages.length; i += 100) {
          await producer.send({ topic: spanTopic, messages: messages.slice(i, i + 100) });
        }
        lags.push(first + RECORDS_PER_CHUNK - (await committed()));
      }
      const slowedPeakMiB = peakMiB;
      const progressWhileSlow = await committed();
      console.info(
        `[backpressure] lag after each chunk ${lags.join(', ')}; committed ${progressWhileSlow} of ${RECORDS + 1}; ` +
          `RSS idle ${idleMiB.toFixed(1)} MiB, peak while slow ${slowedPeakMiB.toFixed(1)} MiB`,
      );
      // (a) The worker falls behind instead of taking everything in: the lag grows chunk by chunk.
      for (let chunk = 1; chunk < CHUNKS; chunk++) {
        expect(lags[chunk], `lag after chunk ${chunk}`).toBeGreaterThan(lags[chunk - 1] ?? 0);
      }
      expect(progressWhileSlow).toBeGreaterThan(1);

      // (c) Redis fast again: everything is counted, exactly once.
      proxy.delayMs = 0;
      await waitForGroupCaughtUp(topics.admin, groupId, spanTopic, 120_000);
      console.info(
        `[backpressure] peak RSS over the run ${peakMiB.toFixed(1)} MiB, limit ${RSS_LIMIT_MIB} MiB`,
      );
      // (b) Under the documented limit, while slowed and while catching up.
      expect(peakMiB).toBeGreaterThan(0);
      expect(peakMiB).toBeLessThan(RSS_LIMIT_MIB);
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
