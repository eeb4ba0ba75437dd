import { type BudgetwatchConfig, toRecognitionSettings } from '@budgetwatch/config';
import { compileRecognizer, type Policy } from '@budgetwatch/domain';
import { Evaluator, type EventPublisher, type RuleStateStore } from '@budgetwatch/evaluator';
import { IngestWorker, type Recognition } from '@budgetwatch/ingest-worker';
import type { Logger } from '@budgetwatch/logger';
import { Notifier, type NotifierStore, type SilenceStore } from '@budgetwatch/notifier';
import type { CoverageStore, WindowReader, WindowStore } from '@budgetwatch/window-store';
import type { Kafka } from 'kafkajs';
import type { LiveInventory } from './live-inventory.js';
import type { DispatcherSettings } from './notification-channels.js';

/** The services as the configuration sets them up; what differs between modes is passed in. */
export interface ServiceSettings {
  config: BudgetwatchConfig;
  policy: Policy;
  /** The inventory, followed as its file changes. */
  inventory: LiveInventory;
  /** The file the inventory comes from; none: no inventory is configured (every server unregistered). */
  inventoryFile: string | undefined;
  logger: Logger;
}

/**
 * How records become counted calls under this configuration, on both ingest paths: profiles,
 * perspective, inventory match rules, plausibility, and the window within which a record's copy
 * counts nothing.
 */
export function classificationFor({ config, inventory }: ServiceSettings) {
  return {
    recognition: recognitionFor(config),
    resolveInventory: inventory.resolver,
    maxLatencyMs: config.ingest.maxLatencyMs,
    dedupeWindowMs: config.ingest.dedupeWindowMs,
  };
}

/** The configured recognition profiles, compiled, and the perspective that counts. */
export function recognitionFor(config: BudgetwatchConfig): Recognition {
  return {
    recognizer: compileRecognizer(toRecognitionSettings(config.recognition)),
    perspective: config.ingest.perspective,
  };
}

/** The Kafka ingest worker with the configuration's group, topics and batch settings. */
export function configuredIngestWorker(
  settings: ServiceSettings,
  kafka: Kafka,
  store: WindowStore,
  coverage: CoverageStore,
): IngestWorker {
  const { config, logger } = settings;
  return new IngestWorker({
    kafka,
    store,
    logger,
    spanTopics: config.topics.spans,
    deadLetterTopic: config.topics.deadLetter,
    groupId: config.ingest.groupId,
    sessionTimeoutMs: config.ingest.sessionTimeoutMs,
    fetchMaxWaitMs: config.ingest.fetchMaxWaitMs,
    partitionsConcurrency: config.ingest.partitionsConcurrency,
    commitIntervalMs: config.ingest.commitIntervalMs,
    maxBatchBytes: config.ingest.maxBatchBytes,
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
    ...classificationFor(settings),
    coverage,
  });
}

/** The evaluator with the configuration's policy, inventory and sweep, over the given stores. */
export function configuredEvaluator(
  settings: ServiceSettings,
  adapters: {
    store: WindowStore;
    windows: WindowReader;
    states: RuleStateStore;
    publisher: EventPublisher;
    drillPasses?: () => Promise<ReadonlyMap<string, string>>;
  },
): Evaluator {
  const { config, policy, inventory, logger } = settings;
  return new Evaluator({
    policy,
    ...adapters,
    logger,
    crs: {
      inventory: inventory.current,
      scoring: policy.crs,
      killSwitchMaxAgeDays: config.inventory.killSwitchMaxAgeDays,
    },
    sweepIntervalMs: config.evaluator.sweepIntervalMs,
    announceUnregistered: settings.inventoryFile !== undefined,
  });
}

/** The Kafka notifier with the configuration's group and topics, over the given stores. */
export function configuredNotifier(
  config: BudgetwatchConfig,
  kafka: Kafka,
  channels: DispatcherSettings,
  stores: { store: NotifierStore; silences: SilenceStore },
): Notifier {
  return new Notifier({
    ...channels,
    ...stores,
    kafka,
    eventsTopic: config.topics.events,
    deadLetterTopic: config.topics.deadLetter,
    groupId: config.notifier.groupId,
    commitIntervalMs: config.notifier.commitIntervalMs,
    sessionTimeoutMs: config.notifier.sessionTimeoutMs,
    fetchMaxWaitMs: config.notifier.fetchMaxWaitMs,
  });
}
