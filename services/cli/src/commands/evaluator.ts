import { loadConfig, loadInventory, loadPolicy } from '@budgetwatch/config';
import { RedisDrillResults } from '@budgetwatch/drills';
import {
  HistoryRecordingPublisher,
  KafkaEventPublisher,
  RedisEventHistory,
  RedisRuleStateStore,
} from '@budgetwatch/evaluator';
import { createLogger } from '@budgetwatch/logger';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { startTelemetry } from '@budgetwatch/telemetry';
import { RedisWindowStore, WindowReader } from '@budgetwatch/window-store';
import { ExitCode } from '../exit-codes.js';
import { startDecisionFolder } from '../stages/decision-feeds.js';
import { LiveInventory } from '../stages/live-inventory.js';
import { RunningStages } from '../stages/running-stages.js';
import { configuredEvaluator } from '../stages/stage-services.js';
import { connectedKafka } from './connected-kafka.js';
import { untilShutdownSignal } from './ingest-worker.js';
import { requireConnections } from './require-connections.js';
import { serviceVersion } from './service-version.js';

/**
 * Runs the evaluator against the configured Redis windows and Kafka events topic until
 * SIGTERM/SIGINT; any number of evaluators may run at once.
 */
export async function runEvaluator(
  configFile: string | undefined,
  shutdown: Promise<unknown> = untilShutdownSignal(),
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'evaluator', ['kafka', 'redis']);
  const { policy } = loadPolicy({
    ...(config.evaluator.policyFile === undefined ? {} : { file: config.evaluator.policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const { inventory } = loadInventory(
    config.inventory.file === undefined ? {} : { file: config.inventory.file },
  );
  const logger = createLogger({ name: 'evaluator', level: config.log.level });
  // Before the services: their instruments bind to the SDK's providers when created.
  const telemetry = startTelemetry({ serviceName: 'budgetwatch-evaluator', serviceVersion });
  const kafka = await connectedKafka(config.kafka, logger, [config.topics.events]);
  const redis = createRedis(config.redis, 'budgetwatch-evaluator');
  await connectRedis(redis);
  const store = new RedisWindowStore(redis, config.redis.keyPrefix, {
    thresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const drills = new RedisDrillResults(redis, config.redis.keyPrefix);
  const live = new LiveInventory(inventory);
  const evaluator = configuredEvaluator(
    { config, policy, inventory: live, inventoryFile: config.inventory.file, logger },
    {
      store,
      windows: new WindowReader(store, config.ingest.latencyThresholdsMs),
      states: new RedisRuleStateStore(redis, config.redis.keyPrefix),
      publisher: new HistoryRecordingPublisher(
        new KafkaEventPublisher(kafka, config.topics.events),
        new RedisEventHistory(redis, config.redis.keyPrefix),
        logger,
      ),
      drillPasses: () => drills.passTimes(),
    },
  );
  evaluator.start();
  live.watch(config.inventory.file, logger, (reloaded) => evaluator.setInventory(reloaded));
  // Beside every evaluator: the folders share the events' partitions through their group.
  const feeds = new RunningStages();
  await startDecisionFolder(config, kafka, logger, feeds);
  logger.info(
    {
      rules: policy.rules.map((rule) => rule.id),
      topic: config.topics.events,
      servers: inventory.servers.length,
    },
    'evaluator running',
  );
  const signal = await shutdown;
  logger.info({ signal, metrics: evaluator.metrics }, 'shutting down');
  live.stop();
  await feeds.stopAll((stage, error) => logger.error({ err: error, stage }, 'did not stop cleanly'));
  await evaluator.stop();
  await redis.quit();
  await telemetry.shutdown();
  return ExitCode.ok;
}
