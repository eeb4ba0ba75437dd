import {
  crsRoutes,
  emptyIntakeMetrics,
  HttpApi,
  KafkaSpanRecordSink,
  otlpIntakeRoutes,
  silenceRoutes,
} from '@budgetwatch/api';
import { loadConfig, loadPolicy } from '@budgetwatch/config';
import { createLogger } from '@budgetwatch/logger';
import { RedisSilenceStore } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { connectedKafka } from './connected-kafka.js';
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
  // OTLP/HTTP intake: agents' OTLP exporters post here, and the records go to the span topic.
  const sink =
    config.kafka === undefined
      ? null
      : new KafkaSpanRecordSink(await connectedKafka(config.kafka, logger), config.topics.spans[0] as string);
  const intakeMetrics = emptyIntakeMetrics();
  const intake =
    sink === null
      ? null
      : new HttpApi({
          routes: otlpIntakeRoutes({ sink, maxBodyBytes: config.http.otlpMaxBodyBytes }, intakeMetrics),
          token: null,
          logger,
        });
  if (intake === null) logger.warn('no Kafka configured: the OTLP/HTTP intake is off (set KAFKA_BROKERS)');
  else
    logger.info(
      { port: await intake.listen(config.http.otlpPort), topic: config.topics.spans[0] },
      'OTLP/HTTP intake listening',
    );
  const signal = await shutdown;
  logger.info({ signal }, 'shutting down');
  await api.close();
  await intake?.close();
  await sink?.close();
  logger.info({ intake: intakeMetrics }, 'OTLP/HTTP intake counters');
  await redis.quit();
  return ExitCode.ok;
}
