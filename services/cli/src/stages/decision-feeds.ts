import { type DecisionSource, TopicDecisionSource } from '@budgetwatch/api';
import type { BudgetwatchConfig } from '@budgetwatch/config';
import { DecisionFolder } from '@budgetwatch/evaluator';
import { DecisionFeed } from '@budgetwatch/events';
import type { Logger } from '@budgetwatch/logger';
import type { Kafka } from 'kafkajs';
import type { RunningStages } from './running-stages.js';

/**
 * Where the decision feeds run (docs/policy-engines.md): the folder beside every evaluator (its own
 * consumer group spreads the events' partitions over them), and a follower of the compacted topic
 * in every API process. Without the decisions topic (a deployment from before it existed) both are
 * off and say how to create it; the rest of Budgetwatch runs as before.
 */
export async function startDecisionFolder(
  config: BudgetwatchConfig,
  kafka: Kafka,
  logger: Logger,
  stages: RunningStages,
): Promise<DecisionFolder | null> {
  if (!(await decisionsTopicExists(config, kafka, logger))) return null;
  const folder = new DecisionFolder({
    kafka,
    eventsTopic: config.topics.events,
    decisionsTopic: config.topics.decisions,
    groupId: config.evaluator.decisionsGroupId,
    logger: logger.child({ component: 'decision-folder' }),
  });
  await folder.start();
  stages.add('decision folder', () => folder.stop());
  return folder;
}

/** The API's view of the decisions topic, followed until the process stops. */
export async function followDecisions(
  config: BudgetwatchConfig,
  kafka: Kafka,
  logger: Logger,
  stages: RunningStages,
): Promise<DecisionSource> {
  if (!(await decisionsTopicExists(config, kafka, logger))) {
    const reason = `no decisions topic ${config.topics.decisions}: create it with \`budgetwatch topics create\``;
    return { feed: new DecisionFeed(), unavailable: () => reason };
  }
  const source = new TopicDecisionSource({
    kafka,
    topic: config.topics.decisions,
    logger: logger.child({ component: 'decision-feed' }),
  });
  await source.start();
  stages.add('decision feed', () => source.stop());
  return source;
}

async function decisionsTopicExists(
  config: BudgetwatchConfig,
  kafka: Kafka,
  logger: Logger,
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(config.topics.decisions)) return true;
  } finally {
    await admin.disconnect();
  }
  logger.warn(
    { topic: config.topics.decisions },
    'decision feeds off: the decisions topic does not exist (create it with `budgetwatch topics create`)',
  );
  return false;
}
