import type { BudgetwatchConfig } from '@budgetwatch/config';

/** One topic Budgetwatch reads or writes, and how `budgetwatch topics create` makes it. */
export interface TopicSpec {
  topic: string;
  role: 'spans' | 'events' | 'deadLetter' | 'decisions';
  partitions: number;
  /** How long records are kept; null for a compacted topic, which keeps each key's latest record. */
  retentionMs: number | null;
}

/**
 * Every topic of the configuration: each span topic, the events topic, the dead-letter topic and
 * the decisions topic. The decisions topic is compacted and has one partition, so its offsets
 * order every change (they are the decision feed's versions, docs/policy-engines.md).
 */
export function budgetwatchTopics(topics: BudgetwatchConfig['topics']): TopicSpec[] {
  const { layout } = topics;
  return [
    ...topics.spans.map((topic) => ({ topic, role: 'spans' as const, ...layout.spans })),
    { topic: topics.events, role: 'events', ...layout.events },
    { topic: topics.deadLetter, role: 'deadLetter', ...layout.deadLetter },
    { topic: topics.decisions, role: 'decisions', partitions: 1, retentionMs: null },
  ];
}

/** The topic configuration `topics create` sets: retention, or compaction. */
export function topicConfigEntries(spec: TopicSpec): { name: string; value: string }[] {
  return spec.retentionMs === null
    ? [{ name: 'cleanup.policy', value: 'compact' }]
    : [{ name: 'retention.ms', value: String(spec.retentionMs) }];
}
