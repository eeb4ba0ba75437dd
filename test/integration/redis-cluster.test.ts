import { dataNodes } from '@budgetwatch/redis';
import { RedisWindowStore } from '@budgetwatch/window-store';
import {
  type CreateStore,
  cardinalityContract,
  expectRandomStreamsExact,
  recordClaimsContract,
  seriesLifetimeContract,
  THRESHOLDS,
} from '@budgetwatch/window-store/contract';
import { describe, expect, inject, it } from 'vitest';
import { budgetwatch } from '../support/cli.js';
import {
  countsExactlyThroughHandovers,
  countsExactlyThroughRestarts,
  crashScenario,
  KILLS,
} from '../support/crash-scenario.js';
import { useTopics } from '../support/kafka.js';
import { useNotifierScenarios } from '../support/notifier-scenarios.js';
import { useRedisCluster, useRedisNamespace } from '../support/redis.js';
import { PLAYBOOK_SCENARIOS, useRuleEvaluation } from '../support/rule-evaluation.js';

const topics = useTopics();
const cluster = await useRedisCluster();
const namespace = await useRedisNamespace('cluster', cluster);
const notifiers = await useNotifierScenarios(topics, namespace);

/** Keys per master: the suites below only count if their keys really spread over the cluster. */
async function keysPerMaster(): Promise<number[]> {
  return Promise.all(dataNodes(namespace.client).map((node) => node.dbsize()));
}

describe('the window store, rule states and notification log on a three-master Redis Cluster', () => {
  it('random streams, batch boundaries and redeliveries give exact 2h and 24h aggregates', async () => {
    await expectRandomStreamsExact(
      (run) =>
        new RedisWindowStore(namespace.client, `${namespace.prefix}run${run}:`, { thresholdsMs: THRESHOLDS }),
      15,
    );
    const perMaster = await keysPerMaster();
    expect(perMaster).toHaveLength(3);
    expect(
      perMaster.every((keys) => keys > 0),
      `keys per master: ${perMaster.join(', ')}`,
    ).toBe(true);
  }, 120_000);

  const clusterStore: CreateStore = (label, now, cardinality) =>
    new RedisWindowStore(
      namespace.client,
      `${namespace.prefix}${label}:`,
      { thresholdsMs: THRESHOLDS, cardinality },
      now,
    );
  // Forgetting a quiet series takes it off its index (one slot), then deletes its keys (another).
  seriesLifetimeContract(clusterStore);
  // Record contents spread over the slots: one pipeline per master.
  recordClaimsContract(clusterStore);

  // Admission is one slot (`{admission}`); the series it admits and forgets are others.
  cardinalityContract(clusterStore);

  describe('evaluator: rule states and their outboxes', () => {
    const { expectBreachAndRecovery } = useRuleEvaluation(topics, namespace, 'cluster-rules');

    it.concurrent.each(PLAYBOOK_SCENARIOS)(
      '$rule: one breach with its actions, for the tool and its server; recovery undoes them',
      expectBreachAndRecovery,
    );
  });

  it('notifier: sent once, and redelivered events are found in the notification log', async () => {
    await notifiers.expectRedeliveriesNotSentAgain(await notifiers.scenario('cluster-redeliver'));
  });

  // Side by side: own topics, groups and key prefixes, and mostly waiting for sessions to expire.
  it.concurrent(`ingest workers SIGKILLed ${KILLS} times between window write and offset commit: exact counters`, async ({
    onTestFinished,
  }) => {
    await countsExactlyThroughRestarts(
      await crashScenario(topics, namespace, 'cluster-restart', onTestFinished),
    );
  }, 400_000);

  it.concurrent("two ingest workers: the survivor takes over a SIGKILLed member's partitions and its uncommitted records", async ({
    onTestFinished,
  }) => {
    await countsExactlyThroughHandovers(
      await crashScenario(topics, namespace, 'cluster-moves', onTestFinished),
    );
  }, 400_000);
});

describe('a cluster node configured as a single server', () => {
  it('is one clear error and exit code 1, not MOVED errors later', async () => {
    const result = await budgetwatch(['ingest-worker'], {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      // Its topics exist: what is wrong here is Redis alone.
      BUDGETWATCH_SPAN_TOPICS: await topics.create('moved-spans'),
      BUDGETWATCH_DLQ_TOPIC: await topics.create('moved-dlq'),
      REDIS_URL: cluster.url,
    });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(/cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: .*set REDIS_CLUSTER=true/);
  }, 90_000);
});
