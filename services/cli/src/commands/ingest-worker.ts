import { loadConfig, loadInventory } from '@budgetwatch/config';
import { DEFAULT_CLASSIFICATION_RULES, inventoryResolver } from '@budgetwatch/domain';
import { IngestWorker } from '@budgetwatch/ingest-worker';
import { createLogger } from '@budgetwatch/logger';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { RedisWindowStore } from '@budgetwatch/window-store';
import { ExitCode } from '../exit-codes.js';
import { connectedKafka } from './connected-kafka.js';
import { requireConnections } from './require-connections.js';

/** Resolves on the first SIGTERM or SIGINT. */
export function untilShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * Runs the ingest worker against the configured Kafka and Redis until SIGTERM/SIGINT, then stops
 * fetching, lets the current batch finish and commit, and closes its connections.
 */
export async function runIngestWorker(
  configFile: string | undefined,
  shutdown: Promise<unknown> = untilShutdownSignal(),
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'ingest-worker', ['kafka', 'redis']);
  const { inventory } = loadInventory(
    config.inventory.file === undefined ? {} : { file: config.inventory.file },
  );
  const logger = createLogger({ name: 'ingest-worker', level: config.log.level });
  const kafka = await connectedKafka(config.kafka, logger);
  const redis = createRedis(config.redis, 'budgetwatch-ingest');
  await connectRedis(redis);
  const worker = new IngestWorker({
    kafka: kafka,
    store: new RedisWindowStore(redis, config.redis.keyPrefix, {
      thresholdsMs: config.ingest.latencyThresholdsMs,
    }),
    logger,
    spanTopics: config.topics.spans,
    deadLetterTopic: config.topics.deadLetter,
    groupId: config.ingest.groupId,
    sessionTimeoutMs: config.ingest.sessionTimeoutMs,
    partitionsConcurrency: config.ingest.partitionsConcurrency,
    commitIntervalMs: config.ingest.commitIntervalMs,
    maxBatchBytes: config.ingest.maxBatchBytes,
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
    rules: { ...DEFAULT_CLASSIFICATION_RULES, perspective: config.ingest.perspective },
    resolveInventory: inventoryResolver(inventory),
  });
  await worker.start();
  const signal = await shutdown;
  logger.info({ signal, metrics: worker.metrics }, 'shutting down');
  await worker.stop();
  await redis.quit();
  return ExitCode.ok;
}
