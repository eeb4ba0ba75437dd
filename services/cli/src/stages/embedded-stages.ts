import { FoldedDecisionSource, OperatorView } from '@budgetwatch/api';
import {
  HistoryRecordingPublisher,
  InMemoryEventHistory,
  InMemoryRuleStateStore,
  InProcessEventBus,
} from '@budgetwatch/evaluator';
import { InProcessIngest } from '@budgetwatch/ingest-worker';
import { InMemoryNotifierStore, InMemorySilenceStore, InProcessNotifier } from '@budgetwatch/notifier';
import { InMemoryCoverageStore, InMemoryWindowStore, WindowReader } from '@budgetwatch/window-store';
import { scoreServers } from '../commands/crs-scorer.js';
import { DemoTraffic } from '../demo/demo-traffic.js';
import { dispatcherSettings } from './notification-channels.js';
import { type OperatorHttp, startOperatorHttp } from './operator-http.js';
import type { RunningStages } from './running-stages.js';
import type { StageContext } from './stage-context.js';
import { classificationFor, configuredEvaluator } from './stage-services.js';

/**
 * Every stage in this process on embedded defaults: spans queue in process instead of on Kafka,
 * windows, rule states, notifications and silences live in memory instead of Redis. The domain code
 * and the services are the same; only the adapters differ. Nothing survives a restart.
 */
export async function startEmbeddedStages(
  context: StageContext,
  /** Each stage is added as it starts, so the caller can stop what started if a later one fails. */
  stages: RunningStages,
): Promise<OperatorHttp> {
  const { config, policy, inventory, inventoryFile, logger } = context;
  const thresholdsMs = config.ingest.latencyThresholdsMs;
  const store = new InMemoryWindowStore({ thresholdsMs, cardinality: config.ingest.cardinality });
  const windows = new WindowReader(store, thresholdsMs);
  const states = new InMemoryRuleStateStore();
  const history = new InMemoryEventHistory();
  const bus = new InProcessEventBus();
  const silences = new InMemorySilenceStore();
  const notifications = new InMemoryNotifierStore();
  const coverage = new InMemoryCoverageStore();
  // Subscribed before anything publishes: the feed folds every event from the first.
  const decisions = new FoldedDecisionSource();
  bus.subscribe(decisions.take);
  stages.add('decisions', async () => decisions.close());

  const ingest = new InProcessIngest({
    store,
    logger: logger.child({ stage: 'ingest' }),
    latencyThresholdsMs: thresholdsMs,
    ...classificationFor(context),
    coverage,
  });

  const notification = dispatcherSettings(
    config,
    logger.child({ stage: 'notifier' }),
    () => inventory.current,
  );
  if (notification === null) {
    logger.info('notifications off: no Slack or email configured (SLACK_BOT_TOKEN, SMTP_URL)');
  } else {
    const notifier = new InProcessNotifier({ ...notification, store: notifications, silences });
    bus.subscribe(notifier.take);
    notifier.start();
    stages.add('notifier', () => notifier.stop());
  }

  // The evaluator's and the operator controls' events take one path: the bus, then the history.
  const publisher = new HistoryRecordingPublisher(bus, history, logger);
  const evaluator = configuredEvaluator(
    { config, policy, inventory, inventoryFile, logger: logger.child({ stage: 'evaluator' }) },
    { store, windows, states, publisher },
  );
  evaluator.start();
  stages.add('evaluator', () => evaluator.stop());
  inventory.watch(inventoryFile, logger, (reloaded) => evaluator.setInventory(reloaded));
  stages.add('inventory watch', async () => inventory.stop());
  // Stopped before the evaluator: queued spans are counted first.
  stages.add('ingest', () => ingest.stop());

  const http = await startOperatorHttp({
    config,
    logger: logger.child({ stage: 'api' }),
    view: new OperatorView({
      policy,
      store,
      windows,
      states,
      history,
      notificationLog: notification === null ? null : notifications,
      inventory: async () => inventory.current,
      crs: (current, servers) =>
        scoreServers(current, windows, policy, config.inventory.killSwitchMaxAgeDays, servers),
    }),
    silences,
    notifications,
    coverage: (nowMs) => coverage.read(nowMs),
    // Nothing outside this process to wait for.
    readiness: [],
    telemetry: context.telemetry,
    intake: ingest,
    decisionControls: { publisher, inventory: async () => inventory.current },
    decisions,
  });
  stages.add('api', () => http.close());

  if (context.demo) {
    const demo = new DemoTraffic(ingest, logger.child({ stage: 'demo' }));
    await demo.start();
    stages.add('demo', () => demo.stop());
  }
  return http;
}
