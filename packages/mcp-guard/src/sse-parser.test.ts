import { describe, expect, it } from 'vitest';
import { MAX_SSE_LINE, SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('parses the feed contract stream: retry, snapshot, comment, decision', () => {
    const parser = new SseParser();
    const result = parser.push(
      'retry: 1000\n\nevent: snapshot\nid: 7\ndata: {"version":7,"decisions":[]}\n\n: keepalive\n\nevent: decision\nid: 8\ndata: {"a":1}\n\n',
    );
    expect(result.retryMs).toBe(1000);
    expect(result.events).toEqual([
      { event: 'snapshot', id: '7', data: '{"version":7,"decisions":[]}' },
      { event: 'decision', id: '8', data: '{"a":1}' },
    ]);
    expect(parser.lastEventId).toBe('8');
  });

  it('gives the same events however the stream is split, CRLF and CR included', () => {
    const stream =
      '\ufeffevent: decision\r\nid: 3\r\ndata: one\r\ndata: two\r\n\r\n:c\revent: x\rdata:three\r\rdata: four\n\n';
    const whole = new SseParser().push(stream).events;
    expect(whole).toEqual([
      { event: 'decision', id: '3', data: 'one\ntwo' },
      { event: 'x', id: '3', data: 'three' },
      { event: 'message', id: '3', data: 'four' },
    ]);
    for (let cut = 1; cut < stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, cut)).events, ...parser.push(stream.slice(cut)).events];
      expect(events, `cut at ${cut}`).toEqual(whole);
    }
    const oneByOne = new SseParser();
    expect([...stream].flatMap((char) => oneByOne.push(char).events)).toEqual(whole);
  });

  it('dispatches nothing for an event without data, and keeps its id', () => {
    const parser = new SseParser('5');
    expect(parser.push('id: 6\n\n').events).toEqual([]);
    expect(parser.lastEventId).toBe('6');
    expect(parser.push('data: x\n\n').events).toEqual([{ event: 'message', id: '6', data: 'x' }]);
  });

  it('ignores an id holding NUL, unknown fields and a non-numeric retry', () => {
    const parser = new SseParser('1');
    const result = parser.push('id: 2\0\nfoo: bar\nretry: soon\ndata\n\n');
    expect(result.retryMs).toBeUndefined();
    expect(result.events).toEqual([{ event: 'message', id: '1', data: '' }]);
  });

  it('refuses a line longer than the bound instead of buffering it', () => {
    const parser = new SseParser();
    expect(() => parser.push(`data: ${'x'.repeat(MAX_SSE_LINE)}`)).toThrow(/exceeds/);
    // The parser can go on after the error: the connection is dropped and a new one starts clean.
    expect(new SseParser().push('data: ok\n\n').events).toHaveLength(1);
  });
});
