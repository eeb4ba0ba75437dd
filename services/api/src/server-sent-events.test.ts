import { describe, expect, it } from 'vitest';
import { lastEventId, sseMessage, sseRetry } from './server-sent-events.js';

describe('Server-Sent Events', () => {
  it('a message is event, id and one line of JSON data, even when strings hold line breaks', () => {
    expect(sseMessage('decision', 7, { reason: 'a\nb\r\nc' })).toBe(
      'event: decision\nid: 7\ndata: {"reason":"a\\nb\\r\\nc"}\n\n',
    );
    expect(sseRetry(1000)).toBe('retry: 1000\n\n');
  });

  it.each([
    [undefined, null, null],
    ['12', null, 12],
    [' 12 ', null, 12],
    [undefined, '5', 5],
    [['9', '10'], null, 9],
    ['-1', null, null],
    ['1e3', null, null],
    ['abc', '4', null],
    ['1234567890123456', null, null],
  ] as const)('Last-Event-ID %j, ?lastEventId=%j -> %j', (header, query, expected) => {
    expect(lastEventId(header as string | string[] | undefined, query)).toBe(expected);
  });
});
