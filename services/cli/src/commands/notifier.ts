import { ConfigError, loadConfig } from '@budgetwatch/config';
import { createLogger } from '@budgetwatch/logger';
import { EmailSink, Notifier, RedisNotifierStore, RedisSilenceStore, SlackSink } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { connectedKafka } from './connected-kafka.js';
import { untilShutdownSignal } from './ingest-worker.js';
import { requireConnections } from './require-connections.js';

/**
 * Runs the notifier until SIGTERM/SIGINT: its own consumer group on the events topic, Slack and
 * email as configured; any number may run at once.
 */
export async function runNotifier(
  configFile: string | undefined,
  shutdown: Promise<unknown> = untilShutdownSignal(),
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'notifier', ['kafka', 'redis']);
  const { notifier: settings } = config;
  if (settings.slack === undefined && settings.email === undefined) {
    throw new ConfigError([
      {
        source: { kind: 'default' },
        path: 'notifier',
        reason:
          'the notifier needs Slack or email: set SLACK_BOT_TOKEN, or SMTP_URL and BUDGETWATCH_EMAIL_FROM',
      },
    ]);
  }
  const logger = createLogger({ name: 'notifier', level: config.log.level });
  const kafka = await connectedKafka(config.kafka, logger);
  const redis = createRedis(config.redis, 'budgetwatch-notifier');
  await connectRedis(redis);
  const notifier = new Notifier({
    kafka: kafka,
    eventsTopic: config.topics.events,
    deadLetterTopic: config.topics.deadLetter,
    groupId: settings.groupId,
    commitIntervalMs: settings.commitIntervalMs,
    store: new RedisNotifierStore(redis, config.redis.keyPrefix),
    silences: new RedisSilenceStore(redis, config.redis.keyPrefix),
    slack:
      settings.slack === undefined
        ? null
        : new SlackSink({ token: settings.slack.token, apiUrl: settings.slack.apiUrl, logger }),
    email:
      settings.email === undefined
        ? null
        : new EmailSink({ smtpUrl: settings.email.smtpUrl, from: settings.email.from }),
    planner: { repeatIntervalMs: settings.repeatIntervalMs, routing: settings.routes },
    groupWaitMs: settings.groupWaitMs,
    dashboardUrl: settings.dashboardUrl ?? null,
    messageIdDomain: settings.email?.messageIdDomain ?? 'budgetwatch.local',
    logger,
  });
  await notifier.start();
  logger.info(
    {
      topic: config.topics.events,
      slack: settings.slack !== undefined,
      email: settings.email !== undefined,
      defaultRoute: settings.routes.default,
    },
    'notifier running',
  );
  const signal = await shutdown;
  logger.info({ signal, metrics: notifier.metrics }, 'shutting down');
  await notifier.stop();
  await redis.quit();
  return ExitCode.ok;
}
