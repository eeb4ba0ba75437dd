import { crsRoutes, HttpApi, silenceRoutes } from '@budgetwatch/api';
import { loadConfig, loadPolicy } from '@budgetwatch/config';
import { createLogger } from '@budgetwatch/logger';
import { RedisSilenceStore } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { crsScorer } from './crs-scorer.js';
import { untilShutdownSignal } from './ingest-worker.js';
import { requireConnections } from './require-connections.js';

/** Serves the HTTP API on http.port until SIGTERM/SIGINT. */
export async function runApi(
  configFile: string | undefined,
  shutdown: Promise<unknown> = untilShutdownSignal(),
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'api', ['redis']);
  const logger = createLogger({ name: 'api', level: config.log.level });
  const redis = createRedis(config.redis, 'budgetwatch-api');
  await connectRedis(redis);
  const { policy } = loadPolicy({
    ...(config.evaluator.policyFile === undefined ? {} : { file: config.evaluator.policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const api = new HttpApi({
    routes: [
      ...silenceRoutes(new RedisSilenceStore(redis, config.redis.keyPrefix)),
      ...crsRoutes(crsScorer(config, redis, policy), policy.crs.haltThreshold),
    ],
    token: config.http.apiToken ?? null,
    logger,
  });
  const port = await api.listen(config.http.port);
  logger.info({ port, mutations: config.http.apiToken !== undefined }, 'API listening');
  const signal = await shutdown;
  logger.info({ signal }, 'shutting down');
  await api.close();
  await redis.quit();
  return ExitCode.ok;
}
