/**
 * SseDecisionFeed against a local HTTP server that writes the stream in odd pieces: the state it
 * folds, the Last-Event-ID it resumes with, and what it does with an unreadable event.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@budgetwatch/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SseDecisionFeed } from './sse-decision-feed.js';
import type { SubjectDecisions } from './subject-decisions.js';

const frozen: SubjectDecisions = {
  key: 'pay/charge',
  server: 'pay',
  tool: 'charge',
  fallbackMode: null,
  decisions: [
    {
      kind: 'frozen',
      since: '2026-11-28T10:00:00.000Z',
      causes: [{ rule: 'r', since: '2026-11-28T10:00:00.000Z', eventId: 'e' }],
    },
  ],
};

type Handler = (request: IncomingMessage, response: ServerResponse, connection: number) => void;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(handler: Handler) {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    handler(request, response, requests.length);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    server.close();
    server.closeAllConnections();
    await once(server, 'close');
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function feedOn(url: string, errors: string[] = []) {
  const feed = new SseDecisionFeed({
    apiUrl: url,
    token: 't0ken',
    server: 'pay',
    initialBackoffMs: 10,
    maxBackoffMs: 20,
    onError: (error) => errors.push(error.message),
  });
  closers.push(() => feed.close());
  return feed;
}

describe('SseDecisionFeed', () => {
  it('folds a stream written in pieces, then resumes with Last-Event-ID after the connection ends', async () => {
    const stream = [
      'retry: 10\n\nevent: snapshot\nid: 4\ndata: {"version":4,"decisions":[]}\n\n',
      `event: decision\nid: 5\ndata: ${JSON.stringify(frozen)}\n\n`,
    ].join('');
    const { url, requests } = await serve((_request, response, connection) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (connection === 1) {
        // Seven bytes at a time, then the server ends the stream.
        const pieces = stream.match(/[\s\S]{1,7}/g) ?? [];
        const write = () => {
          const piece = pieces.shift();
          if (piece === undefined) response.end();
          else response.write(piece, () => setImmediate(write));
        };
        write();
      } else {
        response.write(`event: decision\nid: 6\ndata: ${JSON.stringify({ ...frozen, decisions: [] })}\n\n`);
      }
    });
    const feed = feedOn(url);
    await feed.whenSynced(2_000);
    await waitFor(
      () => requests.length >= 2 && feed.subject('pay', 'charge') === undefined && feed.lastEventId === '6',
      {
        description: 'the resumed stream applied',
        timeoutMs: 5_000,
        intervalMs: 5,
      },
    );
    expect(requests[0]?.headers['last-event-id']).toBeUndefined();
    expect(requests[1]?.headers['last-event-id']).toBe('5');
    expect(requests[0]?.headers.authorization).toBe('Bearer t0ken');
    expect(requests[0]?.url).toBe('/api/v1/decisions/stream?server=pay');
  });

  it('holds the state across a resume, and changes it on the next event', async () => {
    const { url } = await serve((_request, response, connection) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (connection === 1) {
        response.end(
          `event: snapshot\nid: 1\ndata: ${JSON.stringify({ version: 1, decisions: [frozen] })}\n\n`,
        );
      } else response.write(': keepalive\n\n');
    });
    const feed = feedOn(url);
    await feed.whenSynced(2_000);
    await waitFor(() => feed.connections >= 2, {
      description: 'a second connection',
      timeoutMs: 5_000,
      intervalMs: 5,
    });
    expect(feed.subject('pay', 'charge')?.decisions[0]?.kind).toBe('frozen');
  });

  it('does not apply an unreadable event: it reports it and asks again from the last good id', async () => {
    const errors: string[] = [];
    const { url, requests } = await serve((_request, response, connection) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (connection === 1) {
        response.write('event: snapshot\nid: 1\ndata: {"version":1,"decisions":[]}\n\n');
        response.write('event: decision\nid: 2\ndata: {"key":"pay"}\n\n');
        response.write(`event: decision\nid: 3\ndata: ${JSON.stringify(frozen)}\n\n`);
      } else response.write(': keepalive\n\n');
    });
    const feed = feedOn(url, errors);
    await waitFor(() => requests.length >= 2, {
      description: 'a reconnection',
      timeoutMs: 5_000,
      intervalMs: 5,
    });
    expect(errors[0]).toBe('the decision stream sent an unreadable decision event; reconnecting');
    expect(requests[1]?.headers['last-event-id']).toBe('1');
    expect(feed.subject('pay', 'charge')).toBeUndefined();
  });

  it('refuses an answer that is not an event stream', async () => {
    const errors: string[] = [];
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    });
    const feed = feedOn(url, errors);
    await waitFor(() => errors.length > 0, { description: 'an error', timeoutMs: 5_000, intervalMs: 5 });
    expect(errors[0]).toBe('the decision stream answered with text/html, not text/event-stream');
    expect(feed.freshness()).toEqual({ synced: false, lastActivityMs: undefined });
  });
});
