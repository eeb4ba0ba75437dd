import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { StatusReport } from '@budgetwatch/api';
import type { CoverageReport } from '@budgetwatch/domain';
import { waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { budgetwatchInProcess, spawnBudgetwatch } from '../support/cli.js';
import { EXPECTED_MIX_COVERAGE, sendCoverageMix, withoutTimes } from '../support/coverage-mix.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('coverage');

/**
 * Coverage with Kafka and Redis, the intake and the ingest worker in processes of their own: the
 * worker adds its tallies to Redis, the API (and the CLI) read them there.
 */
describe('telemetry coverage on Kafka and Redis (api and ingest-worker processes)', () => {
  let api: BudgetwatchInstance;
  let worker: ChildProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    env = {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_SPAN_TOPICS: await topics.create('coverage-spans', { partitions: 2 }),
      BUDGETWATCH_DLQ_TOPIC: await topics.create('coverage-dlq'),
      BUDGETWATCH_INGEST_GROUP_ID: `bwtest-coverage-${randomUUID()}`,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
    };
    worker = spawnBudgetwatch(['ingest-worker'], env);
    api = await startBudgetwatch(['api'], env);
  });

  afterAll(async () => {
    await api?.stop();
    if (worker !== undefined && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
  });

  it('reports a known mix exactly from Redis, in the API and the CLI; (unattributed) is no unregistered server', async () => {
    await sendCoverageMix(api.intakeUrl);
    const report = await waitFor(
      async () => {
        const read = await api.getJson<CoverageReport>('/api/v1/coverage');
        return read.totals.spans >= 18 ? read : undefined;
      },
      { description: 'the mix counted by the worker and read by the api', timeoutMs: 45_000 },
    );
    expect(withoutTimes(report)).toEqual(EXPECTED_MIX_COVERAGE);
    expect(JSON.stringify(report)).not.toContain('secret prompt');

    const cli = await budgetwatchInProcess(['coverage', '--json'], env);
    expect(cli.code, cli.output).toBe(0);
    expect(withoutTimes(JSON.parse(cli.output) as CoverageReport)).toEqual(EXPECTED_MIX_COVERAGE);

    const status = await api.getJson<StatusReport>('/api/v1/status');
    expect(status.unregistered.map((server) => server.server)).toEqual(['docs.internal']);
  }, 90_000);
});
