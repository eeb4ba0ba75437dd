import { describe, expect, it } from 'vitest';
import { chunkBySize } from './dead-letter.js';

describe('chunkBySize', () => {
  const message = (bytes: number) => ({ value: Buffer.alloc(bytes), headers: { reason: 'x' } });

  it('keeps every message, in order, in chunks under the limit', () => {
    const messages = Array.from({ length: 50 }, (_, i) => message(100 + i));
    const chunks = chunkBySize(messages, 1000);
    expect(chunks.flat()).toEqual(messages);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(
        chunk.reduce((n, m) => n + (m.value?.length ?? 0) + 64 + 'reason'.length + 1, 0),
      ).toBeLessThanOrEqual(1000);
    }
  });

  it('sends a message larger than the limit on its own rather than dropping it', () => {
    const chunks = chunkBySize([message(10), message(5000), message(10)], 1000);
    expect(chunks.map((chunk) => chunk.length)).toEqual([1, 1, 1]);
  });

  it('has nothing to send for no messages', () => {
    expect(chunkBySize([], 1000)).toEqual([]);
  });
});
