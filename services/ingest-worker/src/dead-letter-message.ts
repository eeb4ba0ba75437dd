import type { Message } from 'kafkajs';
import type { DeadLetter } from './record-processor.js';

/** Header names on budgetwatch.dlq records; the value and key are the original record's. */
export const DeadLetterHeader = {
  reason: 'budgetwatch.dlq.reason',
  detail: 'budgetwatch.dlq.detail',
  sourceTopic: 'budgetwatch.source.topic',
  sourcePartition: 'budgetwatch.source.partition',
  sourceOffset: 'budgetwatch.source.offset',
} as const;

export function deadLetterMessage(letter: DeadLetter, sourceTopic: string, sourcePartition: number): Message {
  return {
    key: letter.record.key,
    value: letter.record.value,
    headers: {
      [DeadLetterHeader.reason]: letter.reason,
      [DeadLetterHeader.detail]: letter.detail.slice(0, 1000),
      [DeadLetterHeader.sourceTopic]: sourceTopic,
      [DeadLetterHeader.sourcePartition]: String(sourcePartition),
      [DeadLetterHeader.sourceOffset]: letter.record.offset,
    },
  };
}
