import { ConfigError, loadConfig, loadInventory } from '@budgetwatch/config';
import { createLogger } from '@budgetwatch/logger';
import { RedisNotifierStore, RedisSilenceStore } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { startTelemetry } from '@budgetwatch/telemetry';
import { ExitCode } from '../exit-codes.js';
import { LiveInventory } from '../stages/live-inventory.js';
import { dispatcherSettings } from '../stages/notification-channels.js';
import { configuredNotifier } from '../stages/stage-services.js';
import { connectedKafka } from './connected-kafka.js';
import { untilShutdownSignal } from './ingest-worker.js';
import { requireConnections } from './require-connections.js';
import { serviceVersion } from './service-version.js';

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
  const logger = createLogger({ name: 'notifier', level: config.log.level });
  // Before the services: their instruments bind to the SDK's providers when created.
  const telemetry = startTelemetry({ serviceName: 'budgetwatch-notifier', serviceVersion });
  // Followed as the file changes: it routes the CRS gate's notices to the server's owner.
  const inventory = new LiveInventory(
    loadInventory(config.inventory.file === undefined ? {} : { file: config.inventory.file }).inventory,
  );
  const channels = dispatcherSettings(config, logger, () => inventory.current);
  if (channels === null) {
    throw new ConfigError([
      {
        source: { kind: 'default' },
        path: 'notifier',
        reason:
          'the notifier needs Slack or email: set SLACK_BOT_TOKEN, or SMTP_URL and BUDGETWATCH_EMAIL_FROM',
      },
    ]);
  }
  const settings = config.notifier;
  const kafka = await connectedKafka(config.kafka, logger, [config.topics.events, config.topics.deadLetter]);
  const redis = createRedis(config.redis, 'budgetwatch-notifier');
  await connectRedis(redis);
  const notifier = configuredNotifier(config, kafka, channels, {
    store: new RedisNotifierStore(redis, config.redis.keyPrefix),
    silences: new RedisSilenceStore(redis, config.redis.keyPrefix),
  });
  await notifier.start();
  inventory.watch(config.inventory.file, logger);
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
  inventory.stop();
  await redis.quit();
  await telemetry.shutdown();
  return ExitCode.ok;
}
