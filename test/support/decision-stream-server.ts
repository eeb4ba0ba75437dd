/**
 * A stand-in for Budgetwatch's decision feed API, following the
 * decision feed contract exactly: `GET /api/v1/decisions` and `GET /api/v1/decisions/stream`
 * (SSE: `retry: 1000`, a snapshot unless Last-Event-ID names a version it can resume from, one
 * `decision` event per change, `: keepalive` every heartbeatMs), read token as a bearer token.
 * The real API is tested against the same contract by the integrator's end-to-end tests.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SubjectDecisions } from '@budgetwatch/mcp-guard';

export interface DecisionStreamServer {
  url: string;
  /** Publishes one subject's new state (decisions [] = cleared) as the next version. */
  publish(subject: SubjectDecisions): number;
  /** Drops every stream and answers 503 until restore(): the feed is cut. */
  cut(): void;
  restore(): void;
  /** The Last-Event-ID each stream request carried ('' for none), in arrival order. */
  readonly lastEventIds: string[];
  /** Streams open now. */
  readonly openStreams: number;
  close(): Promise<void>;
}

export interface DecisionStreamServerOptions {
  token: string;
  heartbeatMs?: number;
}

export async function startDecisionStreamServer(
  options: DecisionStreamServerOptions,
): Promise<DecisionStreamServer> {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const state = new Map<string, SubjectDecisions>();
  const history: Array<{ version: number; subject: SubjectDecisions }> = [];
  let version = 0;
  let cut = false;
  const streams = new Set<{ response: ServerResponse; server: string | null }>();
  const lastEventIds: string[] = [];

  const matches = (subject: SubjectDecisions, server: string | null) =>
    server === null || subject.server === server;
  const current = (server: string | null) =>
    [...state.values()].filter((subject) => matches(subject, server));

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    if (cut) {
      response.writeHead(503).end();
      return;
    }
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const server = url.searchParams.get('server');
    if (url.pathname === '/api/v1/decisions') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ version, decisions: current(server), nextCursor: null }));
      return;
    }
    if (url.pathname !== '/api/v1/decisions/stream') {
      response.writeHead(404).end();
      return;
    }
    const header = request.headers['last-event-id'];
    const lastEventId =
      (typeof header === 'string' ? header : undefined) ?? url.searchParams.get('lastEventId') ?? '';
    lastEventIds.push(lastEventId);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write('retry: 1000\n\n');
    const resumeFrom = /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined;
    if (resumeFrom !== undefined && resumeFrom <= version) {
      for (const change of history) {
        if (change.version > resumeFrom && matches(change.subject, server)) {
          response.write(
            `event: decision\nid: ${change.version}\ndata: ${JSON.stringify(change.subject)}\n\n`,
          );
        }
      }
    } else {
      response.write(
        `event: snapshot\nid: ${version}\ndata: ${JSON.stringify({ version, decisions: current(server) })}\n\n`,
      );
    }
    const stream = { response, server };
    streams.add(stream);
    const keepalive = setInterval(() => response.write(': keepalive\n\n'), heartbeatMs);
    response.on('close', () => {
      clearInterval(keepalive);
      streams.delete(stream);
    });
  };

  const http: Server = createServer(handle);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    publish(subject) {
      version += 1;
      if (subject.decisions.length === 0) state.delete(subject.key);
      else state.set(subject.key, subject);
      history.push({ version, subject });
      for (const stream of streams) {
        if (matches(subject, stream.server)) {
          stream.response.write(`event: decision\nid: ${version}\ndata: ${JSON.stringify(subject)}\n\n`);
        }
      }
      return version;
    },
    cut() {
      cut = true;
      for (const stream of streams) stream.response.destroy();
    },
    restore() {
      cut = false;
    },
    lastEventIds,
    get openStreams() {
      return streams.size;
    },
    async close() {
      for (const stream of streams) stream.response.destroy();
      http.close();
      http.closeAllConnections();
      await once(http, 'close');
    },
  };
}
