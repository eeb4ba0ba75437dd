import { KafkaSpanRecordSink, type ReadinessCheck } from '@budgetwatch/api';
import type { BudgetwatchConfig } from '@budgetwatch/config';
import { RedisDrillResults } from '@budgetwatch/drills';
import {
  HistoryRecordingPublisher,
  KafkaEventPublisher,
  RedisEventHistory,
  RedisRuleStateStore,
} from '@budgetwatch/evaluator';
import { RedisNotifierStore, RedisSilenceStore } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { RedisCoverageStore, RedisWindowStore, WindowReader } from '@budgetwatch/window-store';
import type { Kafka } from 'kafkajs';
import { connectedKafka } from '../commands/connected-kafka.js';
import { DemoTraffic } from '../demo/demo-traffic.js';
import { followDecisions, startDecisionFolder } from './decision-feeds.js';
import { dispatcherSettings } from './notification-channels.js';
import { type OperatorHttp, startOperatorHttp } from './operator-http.js';
import { kafkaReachable, redisReachable } from './readiness-checks.js';
import { redisOperatorView } from './redis-operator-view.js';
import type { RunningStages } from './running-stages.js';
import type { StageContext } from './stage-context.js';
import { configuredEvaluator, configuredIngestWorker, configuredNotifier } from './stage-services.js';

export type ConnectedConfig = BudgetwatchConfig & {
  kafka: NonNullable<BudgetwatchConfig['kafka']>;
  redis: NonNullable<BudgetwatchConfig['redis']>;
};

/**
 * Every stage in this process on Kafka and Redis: the same services the per-stage commands run, so
 * more workers, evaluators or notifiers can join from other processes at any time.
 */
export async function startConnectedStages(
  context: StageContext & { config: ConnectedConfig },
  /** Each stage is added as it starts, so the caller can stop what started if a later one fails. */
  stages: RunningStages,
): Promise<OperatorHttp> {
  const { config, policy, inventory, inventoryFile, logger } = context;
  const thresholdsMs = config.ingest.latencyThresholdsMs;
  const prefix = config.redis.keyPrefix;
  const kafka: Kafka = await connectedKafka(config.kafka, logger, [
    ...config.topics.spans,
    config.topics.events,
    config.topics.deadLetter,
  ]);
  const redis = createRedis(config.redis, 'budgetwatch-start');
  await connectRedis(redis);
  stages.add('redis', async () => {
    await redis.quit();
  });
  const store = new RedisWindowStore(redis, prefix, { thresholdsMs, cardinality: config.ingest.cardinality });
  const windows = new WindowReader(store, thresholdsMs);
  const states = new RedisRuleStateStore(redis, prefix);
  const history = new RedisEventHistory(redis, prefix);
  const silences = new RedisSilenceStore(redis, prefix);
  const notifications = new RedisNotifierStore(redis, prefix);
  const drills = new RedisDrillResults(redis, prefix);
  const coverage = new RedisCoverageStore(redis, prefix);

  const notification = dispatcherSettings(
    config,
    logger.child({ stage: 'notifier' }),
    () => inventory.current,
  );
  if (notification === null) {
    logger.info('notifications off: no Slack or email configured (SLACK_BOT_TOKEN, SMTP_URL)');
  } else {
    const notifier = configuredNotifier(config, kafka, notification, {
      store: notifications,
      silences,
    });
    await notifier.start();
    stages.add('notifier', () => notifier.stop());
  }

  // The evaluator's and the operator controls' events take one path: the topic, then the history.
  const publisher = new HistoryRecordingPublisher(
    new KafkaEventPublisher(kafka, config.topics.events),
    history,
    logger,
  );
  const evaluator = configuredEvaluator(
    { config, policy, inventory, inventoryFile, logger: logger.child({ stage: 'evaluator' }) },
    { store, windows, states, publisher, drillPasses: () => drills.passTimes() },
  );
  evaluator.start();
  stages.add('evaluator', () => evaluator.stop());
  inventory.watch(inventoryFile, logger, (reloaded) => evaluator.setInventory(reloaded));
  stages.add('inventory watch', async () => inventory.stop());
  await startDecisionFolder(config, kafka, logger.child({ stage: 'evaluator' }), stages);

  const worker = configuredIngestWorker(
    { config, policy, inventory, inventoryFile, logger: logger.child({ stage: 'ingest' }) },
    kafka,
    store,
    coverage,
  );
  await worker.start();
  stages.add('ingest', () => worker.stop());

  const spanSink = new KafkaSpanRecordSink(kafka, config.topics.spans[0] as string);
  stages.add('span producer', () => spanSink.close());
  const view = redisOperatorView(config, redis, policy, () => inventory.current);
  const decisions = await followDecisions(config, kafka, logger.child({ stage: 'api' }), stages);
  const readiness: ReadinessCheck[] = [
    { name: 'redis', check: () => redisReachable(redis) },
    { name: 'kafka', check: kafkaReachable(kafka, stages) },
    {
      name: 'ingest consumer',
      check: async () =>
        worker.hasJoinedGroup ? null : 'the ingest consumer has not joined its group (or is rebalancing)',
    },
  ];
  const http = await startOperatorHttp({
    config,
    logger: logger.child({ stage: 'api' }),
    view,
    silences,
    notifications,
    coverage: (nowMs) => coverage.read(nowMs),
    readiness,
    telemetry: context.telemetry,
    intake: spanSink,
    decisionControls: { publisher, inventory: async () => inventory.current },
    decisions,
  });
  stages.add('api', () => http.close());

  if (context.demo) {
    const demo = new DemoTraffic(spanSink, logger.child({ stage: 'demo' }));
    await demo.start();
    stages.add('demo', () => demo.stop());
  }
  return http;
}
