import { loadConfig } from '@budgetwatch/config';
import { budgetwatchTopics, type TopicSpec, topicConfigEntries } from '@budgetwatch/kafka';
import { createLogger } from '@budgetwatch/logger';
import { ExitCode } from '../exit-codes.js';
import { connectedKafka } from './connected-kafka.js';
import { requireConnections } from './require-connections.js';

/** The replication factor when none is configured: 3, or every broker of a smaller cluster. */
const DEFAULT_REPLICATION = 3;

/**
 * Creates the topics the configuration names that do not exist yet (span topics, events,
 * dead letters), with the partitions, replication factor and retention of `topics.layout`, and the
 * decisions topic compacted with one partition; an existing topic is listed as it is and never changed.
 */
export async function createTopics(
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'topics', ['kafka']);
  const logger = createLogger({ name: 'topics', level: config.log.level });
  const admin = (await connectedKafka(config.kafka, logger)).admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const replicationFactor =
      config.topics.layout.replicationFactor ?? Math.min(DEFAULT_REPLICATION, brokers.length);
    const existing = new Map(
      (await admin.fetchTopicMetadata()).topics.map((topic) => [topic.name, topic.partitions.length]),
    );
    const specs = [...new Map(budgetwatchTopics(config.topics).map((spec) => [spec.topic, spec])).values()];
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor,
          configEntries: topicConfigEntries(spec),
        })),
      });
    }
    for (const spec of specs) {
      const partitions = existing.get(spec.topic);
      out.write(
        partitions === undefined
          ? `created ${spec.topic} (${spec.role}): ${spec.partitions} partitions, replication ${replicationFactor}, ${keeping(spec)}\n`
          : `exists  ${spec.topic} (${spec.role}): ${partitions} partitions${partitions < spec.partitions ? ` (the settings say ${spec.partitions}; existing topics are left as they are)` : ''}\n`,
      );
    }
  } finally {
    await admin.disconnect();
  }
  return ExitCode.ok;
}

function keeping(spec: TopicSpec): string {
  return spec.retentionMs === null ? 'compacted' : `retention ${Math.round(spec.retentionMs / 3_600_000)}h`;
}
