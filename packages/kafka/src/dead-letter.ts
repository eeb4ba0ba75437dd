import type { Message } from 'kafkajs';

/** A record that cannot be processed, with why: it goes to the dead-letter topic as it came. */
export interface DeadLetter {
  record: { key: Buffer | null; value: Buffer | null; offset: string };
  /** A short machine-readable reason (invalid_json, not_otlp_traces...). */
  reason: string;
  detail: string;
}

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

/** Splits messages into groups of at most `maxBytes` (keys, values and headers), one message at least. */
export function chunkBySize(messages: readonly Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  for (const message of messages) {
    const bytes = messageBytes(message);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function messageBytes(message: Message): number {
  let bytes = 64 + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes +=
      name.length + (Array.isArray(value) ? value.reduce((n, v) => n + byteLength(v), 0) : byteLength(value));
  }
  return bytes;
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
