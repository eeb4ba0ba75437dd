import type { BudgetwatchConfig } from '@budgetwatch/config';

/** One topic Budgetwatch reads or writes, and how `budgetwatch topics create` makes it. */
export interface TopicSpec {
  topic: string;
  role: 'spans' | 'events' | 'deadLetter';
  partitions: number;
  retentionMs: number;
}

/** Every topic of the configuration: each span topic, the events topic and the dead-letter topic. */
export function budgetwatchTopics(topics: BudgetwatchConfig['topics']): TopicSpec[] {
  const { layout } = topics;
  return [
    ...topics.spans.map((topic) => ({ topic, role: 'spans' as const, ...layout.spans })),
    { topic: topics.events, role: 'events', ...layout.events },
    { topic: topics.deadLetter, role: 'deadLetter', ...layout.deadLetter },
  ];
}
