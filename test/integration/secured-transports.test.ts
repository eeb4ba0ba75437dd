import { once } from 'node:events';
import { rmSync } from 'node:fs';
import {
  createThrowawayCertificates,
  type LocalKafka,
  otlpProtobuf,
  type PrivateRedis,
  recordToolCallSpans,
  startLocalKafka,
  startPrivateRedis,
  type ThrowawayCertificates,
  waitFor,
} from '@budgetwatch/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalKafkaBrokers, kafkaCacheDir } from '../setup/test-bed.js';
import { budgetwatch, budgetwatchInProcess, spawnBudgetwatch } from '../support/cli.js';

const USERS = { admin: 'admin-secret', budgetwatch: 'bw-secret' };
const REDIS_PASSWORD = 'redis-secret-0123';

/** Runs at most `slots` of the calls at once, in the order they come. */
function limited(slots: number) {
  let free = slots;
  const waiting: (() => void)[] = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (free > 0) free -= 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await run();
    } finally {
      const next = waiting.shift();
      if (next === undefined) free += 1;
      else next();
    }
  };
}

/**
 * A broker that only speaks SASL/PLAIN, a Redis that requires a password, and one that also speaks
 * only TLS: Budgetwatch connects with the documented settings, and a wrong password or CA is one
 * clear error and a non-zero exit.
 */
describe.skipIf(externalKafkaBrokers() !== undefined)(
  'secured transports: SASL/PLAIN Kafka, password Redis, TLS Redis',
  () => {
    let broker: LocalKafka;
    let redis: PrivateRedis;
    let tlsRedis: PrivateRedis;
    /** A CA that did not sign the TLS Redis's certificate. */
    let otherCa: ThrowawayCertificates;
    let env: Record<string, string> = {};
    let tlsEnv: Record<string, string> = {};
    const admin = () =>
      new Kafka({
        clientId: 'secured-test',
        brokers: broker.brokers,
        sasl: { mechanism: 'plain', username: 'admin', password: USERS.admin },
        logLevel: logLevel.NOTHING,
      });

    beforeAll(async () => {
      broker = await startLocalKafka({ cacheDir: kafkaCacheDir(), heap: '384m', saslPlainUsers: USERS });
      redis = await startPrivateRedis({ password: REDIS_PASSWORD });
      tlsRedis = await startPrivateRedis({ password: REDIS_PASSWORD, tls: true });
      otherCa = await createThrowawayCertificates();
      const client = admin().admin();
      await client.connect();
      await client.createTopics({
        topics: [{ topic: 'spans', numPartitions: 2 }, { topic: 'dlq' }, { topic: 'events' }],
        waitForLeaders: true,
      });
      await client.disconnect();
      env = {
        KAFKA_BROKERS: broker.brokers.join(','),
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'budgetwatch',
        KAFKA_SASL_PASSWORD: USERS.budgetwatch,
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        REDIS_PASSWORD,
        BUDGETWATCH_SPAN_TOPICS: 'spans',
        BUDGETWATCH_DLQ_TOPIC: 'dlq',
        BUDGETWATCH_EVENTS_TOPIC: 'events',
        BUDGETWATCH_INGEST_COMMIT_INTERVAL_MS: '200',
        // SIGTERM waits for the worker's fetch in flight.
        BUDGETWATCH_INGEST_FETCH_MAX_WAIT_MS: '100',
      };
      tlsEnv = {
        ...env,
        REDIS_URL: `rediss://127.0.0.1:${tlsRedis.port}`,
        REDIS_TLS_CA_FILE: tlsRedis.caFile ?? '',
      };
    }, 120_000);

    afterAll(async () => {
      if (otherCa !== undefined) rmSync(otherCa.dir, { recursive: true, force: true });
      await tlsRedis?.stop();
      await redis?.stop();
      await broker?.stop();
    }, 60_000);

    it.each([
      ['a password-protected Redis', 'password-mcp', () => env],
      ['a TLS-only Redis with a password', 'tls-mcp', () => tlsEnv],
    ])(
      'the ingest worker counts spans over SASL into %s',
      async (_label, server, redisEnv) => {
        const workerEnv = { ...redisEnv(), BUDGETWATCH_INGEST_GROUP_ID: `secured-${server}` };
        const worker = spawnBudgetwatch(['ingest-worker'], workerEnv);
        try {
          const producer = admin().producer();
          await producer.connect();
          const now = Date.now();
          const spans = recordToolCallSpans(
            Array.from({ length: 50 }, (_, i) => ({
              tool: 'lookup',
              server,
              endTimeMs: now - 1000 - i,
              durationMs: 10,
            })),
          );
          await producer.send({ topic: 'spans', messages: [{ value: Buffer.from(otlpProtobuf(spans)) }] });
          await producer.disconnect();
          // Read back with `budgetwatch window` over the same settings, in this process.
          await waitFor(
            async () => {
              const shown = await budgetwatchInProcess(
                ['window', '--server', server, '--tool', 'lookup', '--json'],
                workerEnv,
              );
              return shown.code === 0 && (JSON.parse(shown.output) as { calls: number }).calls === 50
                ? true
                : undefined;
            },
            { description: 'the 50 calls in the windows', timeoutMs: 60_000, intervalMs: 200 },
          );
        } finally {
          worker.kill('SIGTERM');
          const [code] = (await once(worker, 'exit')) as [number | null];
          expect(code).toBe(0);
        }
      },
      120_000,
    );

    // Each case is a process of its own that must end by itself: they run side by side, three at a
    // time on the two cores, each timed from its own start.
    const failingRun = limited(3);
    it.concurrent.for<[string, () => Record<string, string>, RegExp]>([
      [
        'a wrong Kafka password',
        () => ({ ...env, KAFKA_SASL_PASSWORD: 'wrong' }),
        /SASL PLAIN authentication failed/i,
      ],
      [
        'no Kafka credentials at all',
        () => ({ ...env, KAFKA_SASL_MECHANISM: '', KAFKA_SASL_USERNAME: '', KAFKA_SASL_PASSWORD: '' }),
        /Kafka/,
      ],
      [
        'a wrong Redis password',
        () => ({ ...env, REDIS_PASSWORD: 'wrong' }),
        /cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: WRONGPASS/,
      ],
      [
        'a wrong Redis password over TLS',
        () => ({ ...tlsEnv, REDIS_PASSWORD: 'wrong' }),
        /cannot use Redis at rediss:\/\/127\.0\.0\.1:\d+: WRONGPASS/,
      ],
      [
        'a CA that did not sign the Redis certificate',
        () => ({ ...tlsEnv, REDIS_TLS_CA_FILE: otherCa.caFile }),
        /cannot use Redis at rediss:\/\/127\.0\.0\.1:\d+: self-signed certificate in certificate chain/,
      ],
      [
        'no CA for a Redis whose certificate a private CA signed',
        () => ({ ...tlsEnv, REDIS_TLS_CA_FILE: '' }),
        /cannot use Redis at rediss:\/\/127\.0\.0\.1:\d+: self-signed certificate in certificate chain/,
      ],
      [
        'a redis:// URL for a TLS-only Redis',
        // No TLS setting at all: a CA file alone would turn TLS on.
        () => ({ ...tlsEnv, REDIS_URL: `redis://127.0.0.1:${tlsRedis.port}`, REDIS_TLS_CA_FILE: '' }),
        /cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: /,
      ],
    ])(
      '%s is one clear error and exit code 1, not a retry loop',
      { timeout: 90_000 },
      async ([, failingEnv, message], { expect }) => {
        const { result, durationMs } = await failingRun(async () => {
          const started = Date.now();
          const result = await budgetwatch(['ingest-worker'], {
            ...failingEnv(),
            BUDGETWATCH_LOG_LEVEL: 'warn',
          });
          return { result, durationMs: Date.now() - started };
        });
        expect(result.code, result.output).toBe(1);
        expect(result.output).toMatch(message);
        expect(result.output.match(/^budgetwatch: /gm)).toHaveLength(1);
        expect(durationMs).toBeLessThan(20_000);
      },
    );
  },
);
