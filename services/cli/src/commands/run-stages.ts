import { loadConfig, redactUrlCredentials } from '@budgetwatch/config';
import { describeKafkaConnection } from '@budgetwatch/kafka';
import { createLogger } from '@budgetwatch/logger';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { connectedKafka } from './connected-kafka.js';

export const STAGES = [
  { name: 'ingest-worker', summary: 'consume OTLP spans from Kafka into sliding windows', status: 'ready' },
  { name: 'evaluator', summary: 'evaluate the budget rules and emit CloudEvents', status: 'ready' },
  { name: 'notifier', summary: 'send Slack and email alerts', status: 'ready' },
  {
    name: 'api',
    summary: 'serve the HTTP API (silences, CRS) and the OTLP/HTTP intake; dashboard to come',
    status: 'partial',
  },
] as const;

export type StageName = (typeof STAGES)[number]['name'];

/**
 * Runs the given stages in this process. Today it validates the configuration and checks that the
 * configured Kafka and Redis answer, then reports the stages, which are still to come.
 */
export async function runStages(
  stages: readonly StageName[],
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  const { config, file } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const logger = createLogger({ name: 'budgetwatch', level: config.log.level });
  logger.info({ configFile: file ?? null, stages }, 'configuration loaded');

  if (config.kafka === undefined) {
    logger.info('no KAFKA_BROKERS configured: stages will use the in-process transport');
  } else {
    await connectedKafka(config.kafka, logger);
    logger.info(describeKafkaConnection(config.kafka), 'Kafka reachable');
  }

  if (config.redis === undefined) {
    logger.info('no REDIS_URL configured: windows will be kept in memory');
  } else {
    const redis = createRedis(config.redis, 'budgetwatch-start');
    await connectRedis(redis);
    logger.info({ redis: redactUrlCredentials(config.redis.url) }, 'Redis reachable');
    await redis.quit();
  }

  out.write('Budgetwatch stages:\n');
  for (const stage of STAGES.filter((s) => stages.includes(s.name))) {
    out.write(`  ${stage.name.padEnd(14)} ${stage.summary} (${stage.status})\n`);
  }
  return ExitCode.ok;
}
