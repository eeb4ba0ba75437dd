import { loadConfig, loadInventory, loadPolicy } from '@budgetwatch/config';
import { Evaluator, KafkaEventPublisher, RedisRuleStateStore } from '@budgetwatch/evaluator';
import { inventoryResponders } from '@budgetwatch/events';
import { createKafka } from '@budgetwatch/kafka';
import { createLogger } from '@budgetwatch/logger';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { RedisWindowStore, WindowReader } from '@budgetwatch/window-store';
import { ExitCode } from '../exit-codes.js';
import { untilShutdownSignal } from './ingest-worker.js';
import { requireConnections } from './require-connections.js';

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
  const redis = createRedis(config.redis, 'budgetwatch-evaluator');
  await connectRedis(redis);
  const store = new RedisWindowStore(redis, config.redis.keyPrefix, {
    thresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const evaluator = new Evaluator({
    policy,
    windows: new WindowReader(store, config.ingest.latencyThresholdsMs),
    store,
    states: new RedisRuleStateStore(redis, config.redis.keyPrefix),
    publisher: new KafkaEventPublisher(createKafka(config.kafka, logger), config.topics.events),
    logger,
    responderFor: inventoryResponders(inventory),
    sweepIntervalMs: config.evaluator.sweepIntervalMs,
  });
  evaluator.start();
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
  await evaluator.stop();
  await redis.quit();
  return ExitCode.ok;
}
