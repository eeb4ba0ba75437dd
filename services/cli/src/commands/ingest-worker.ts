import { loadConfig, loadInventory } from '@budgetwatch/config';
import { DEFAULT_POLICY } from '@budgetwatch/domain';
import { createLogger } from '@budgetwatch/logger';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { startTelemetry } from '@budgetwatch/telemetry';
import { RedisCoverageStore, RedisWindowStore } from '@budgetwatch/window-store';
import { ExitCode } from '../exit-codes.js';
import { LiveInventory } from '../stages/live-inventory.js';
import { configuredIngestWorker } from '../stages/stage-services.js';
import { connectedKafka } from './connected-kafka.js';
import { requireConnections } from './require-connections.js';
import { serviceVersion } from './service-version.js';

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
  // Before the services: their instruments bind to the SDK's providers when created.
  const telemetry = startTelemetry({ serviceName: 'budgetwatch-ingest-worker', serviceVersion });
  const kafka = await connectedKafka(config.kafka, logger, [
    ...config.topics.spans,
    config.topics.deadLetter,
  ]);
  const redis = createRedis(config.redis, 'budgetwatch-ingest');
  await connectRedis(redis);
  const store = new RedisWindowStore(redis, config.redis.keyPrefix, {
    thresholdsMs: config.ingest.latencyThresholdsMs,
    cardinality: config.ingest.cardinality,
  });
  const live = new LiveInventory(inventory);
  live.watch(config.inventory.file, logger);
  const worker = configuredIngestWorker(
    { config, policy: DEFAULT_POLICY, inventory: live, inventoryFile: config.inventory.file, logger },
    kafka,
    store,
    new RedisCoverageStore(redis, config.redis.keyPrefix),
  );
  await worker.start();
  const signal = await shutdown;
  logger.info({ signal, metrics: worker.metrics }, 'shutting down');
  live.stop();
  await worker.stop();
  await redis.quit();
  await telemetry.shutdown();
  return ExitCode.ok;
}
