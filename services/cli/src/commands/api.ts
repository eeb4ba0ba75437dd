import { type DecisionSource, KafkaSpanRecordSink, type ReadinessCheck } from '@budgetwatch/api';
import { loadConfig, loadPolicy } from '@budgetwatch/config';
import {
  type EventPublisher,
  HistoryRecordingPublisher,
  KafkaEventPublisher,
  RedisEventHistory,
} from '@budgetwatch/evaluator';
import { DecisionFeed } from '@budgetwatch/events';
import { createLogger } from '@budgetwatch/logger';
import { RedisNotifierStore, RedisSilenceStore } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { startTelemetry } from '@budgetwatch/telemetry';
import { RedisCoverageStore } from '@budgetwatch/window-store';
import { ExitCode } from '../exit-codes.js';
import { followDecisions } from '../stages/decision-feeds.js';
import { requireAuthenticatedIntake } from '../stages/intake-exposure.js';
import { startOperatorHttp } from '../stages/operator-http.js';
import { kafkaReachable, redisReachable } from '../stages/readiness-checks.js';
import { redisOperatorView } from '../stages/redis-operator-view.js';
import { RunningStages } from '../stages/running-stages.js';
import { connectedKafka } from './connected-kafka.js';
import { untilShutdownSignal } from './ingest-worker.js';
import { inventoryWithDrills } from './inventory-with-drills.js';
import { requireConnections } from './require-connections.js';
import { serviceVersion } from './service-version.js';

/**
 * Serves the dashboard, the JSON API, /healthz, /readyz and /metrics on http.port, and with Kafka
 * the OTLP/HTTP intake on http.otlpPort and the OTLP/gRPC one on http.otlpGrpcPort, until
 * SIGTERM/SIGINT.
 */
export async function runApi(
  configFile: string | undefined,
  shutdown: Promise<unknown> = untilShutdownSignal(),
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'api', ['redis']);
  // With Kafka the api also runs the intake.
  if (config.kafka !== undefined) requireAuthenticatedIntake(config);
  const logger = createLogger({ name: 'api', level: config.log.level });
  const telemetry = startTelemetry({ serviceName: 'budgetwatch-api', serviceVersion });
  const stages = new RunningStages();
  const redis = createRedis(config.redis, 'budgetwatch-api');
  await connectRedis(redis);
  stages.add('redis', async () => {
    await redis.quit();
  });
  const { policy } = loadPolicy({
    ...(config.evaluator.policyFile === undefined ? {} : { file: config.evaluator.policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const readiness: ReadinessCheck[] = [{ name: 'redis', check: () => redisReachable(redis) }];
  let intake: KafkaSpanRecordSink | null = null;
  let publisher: EventPublisher | null = null;
  let decisions: DecisionSource = {
    feed: new DecisionFeed(),
    unavailable: () => 'the decision feed follows Kafka: set KAFKA_BROKERS',
  };
  if (config.kafka === undefined) {
    logger.warn(
      'no Kafka configured: the OTLP intakes (HTTP and gRPC) and the decision feed are off (set KAFKA_BROKERS)',
    );
  } else {
    const kafka = await connectedKafka(config.kafka, logger, [config.topics.spans[0] as string]);
    const sink = new KafkaSpanRecordSink(kafka, config.topics.spans[0] as string);
    intake = sink;
    stages.add('span producer', () => sink.close());
    readiness.push({ name: 'kafka', check: kafkaReachable(kafka, stages) });
    // Operator controls publish as the evaluator does: the events topic, then the history.
    const events = new KafkaEventPublisher(kafka, config.topics.events);
    publisher = new HistoryRecordingPublisher(
      events,
      new RedisEventHistory(redis, config.redis.keyPrefix),
      logger,
    );
    stages.add('event producer', () => events.close());
    decisions = await followDecisions(config, kafka, logger, stages);
  }
  const view = redisOperatorView(config, redis, policy);
  const coverage = new RedisCoverageStore(redis, config.redis.keyPrefix);
  const http = await startOperatorHttp({
    config,
    logger,
    view,
    silences: new RedisSilenceStore(redis, config.redis.keyPrefix),
    notifications: new RedisNotifierStore(redis, config.redis.keyPrefix),
    coverage: (nowMs) => coverage.read(nowMs),
    readiness,
    telemetry,
    intake,
    decisionControls: { publisher, inventory: () => inventoryWithDrills(config, null) },
    decisions,
  });
  stages.add('http', () => http.close());
  const signal = await shutdown;
  logger.info({ signal }, 'shutting down');
  await stages.stopAll((stage, error) => logger.error({ err: error, stage }, 'did not stop cleanly'));
  await telemetry.shutdown();
  return ExitCode.ok;
}
