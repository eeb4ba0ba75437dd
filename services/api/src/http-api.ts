import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer, type ServerOptions as TlsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@budgetwatch/logger';
import { bearerTokenMatches } from './bearer-token.js';
import { securityHeaders } from './security-headers.js';

/** What a route answers: a status and a JSON body, or a stream. */
export interface ApiResponse {
  status: number;
  /** JSON, or a Buffer sent as is (set its content-type in `headers`); ignored with `stream`. */
  body: unknown;
  headers?: Record<string, string>;
  /**
   * A response that stays open (Server-Sent Events): called once the status and headers are sent,
   * it writes to the response and ends it; the server ends it when it closes.
   */
  stream?: (response: ServerResponse) => void;
}

export interface ApiRequest {
  method: string;
  path: string;
  /** Path parameters, by the route pattern's `:name`. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body of a POST or DELETE, its bytes for a `raw` route, or undefined. */
  body: unknown;
  headers: IncomingHttpHeaders;
}

/**
 * Who may call a route: `open` anyone (probes, metrics, the dashboard's files); `read` whoever
 * holds the read token (or the write token), when one is set; `write` only whoever holds the write
 * token (without one, nobody); `ingest` whoever holds the intake token, when one is set; `signed`
 * whoever signs the request as the route checks (Slack's request signing), with no bearer token.
 */
export type RouteAccess = 'open' | 'read' | 'write' | 'ingest' | 'signed';

/** The bearer token of each access that takes one; null: see RouteAccess. */
export type AccessTokens = Readonly<Record<Exclude<RouteAccess, 'open' | 'signed'>, string | null>>;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** `/api/v1/silences/:id` style. */
  pattern: string;
  access: RouteAccess;
  /** The body as bytes (the route parses it), not JSON. */
  raw?: boolean;
  /** Larger bodies are refused with 413 (default: the server's limit). */
  maxBodyBytes?: number;
  handle(request: ApiRequest): Promise<ApiResponse>;
}

export interface HttpApiOptions {
  routes: readonly Route[];
  tokens: AccessTokens;
  logger: Logger;
  maxBodyBytes?: number;
  /** HTTPS instead of HTTP; with `ca` and `requestCert`, clients must present a certificate. */
  tls?: TlsServerOptions;
}

/** An error a route throws to answer 4xx with a message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A small JSON-over-HTTP(S) server: routing, bearer tokens by route access, JSON errors. */
export class HttpApi {
  private server: Server | undefined;
  /** Streaming responses still open: ended on close, as they would hold the server open. */
  private readonly streams = new Set<ServerResponse>();

  constructor(private readonly options: HttpApiOptions) {
    for (const route of options.routes) {
      // A signature covers the bytes as sent: parsed JSON could not be checked against it.
      if (route.access === 'signed' && route.raw !== true) {
        throw new Error(`${route.method} ${route.pattern}: a signed route must take its body raw`);
      }
    }
  }

  /** Listens on `host` (loopback unless told otherwise); resolves with the port. */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const handler = (request: IncomingMessage, response: ServerResponse) => {
      this.serve(request, response).catch((error: unknown) => {
        this.options.logger.error({ err: error, path: request.url }, 'request failed');
        if (!response.headersSent) send(response, { status: 500, body: { error: 'internal error' } });
      });
    };
    this.server =
      this.options.tls === undefined ? createServer(handler) : createTlsServer(this.options.tls, handler);
    this.server.listen(port, host);
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Stops accepting connections and lets requests in progress finish (an OTLP export waiting on
   * Kafka would otherwise be cut off and sent again, and counted twice), for up to `graceMs`.
   */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    const closed = once(server, 'close');
    server.close();
    for (const stream of this.streams) stream.end();
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    let matches: { route: Route; params: Record<string, string> }[];
    try {
      matches = this.options.routes
        .map((route) => ({ route, params: matchPattern(route.pattern, path) }))
        .filter((match): match is { route: Route; params: Record<string, string> } => match.params !== null);
    } catch (error) {
      if (error instanceof ApiError)
        return send(response, { status: error.status, body: { error: error.message } });
      throw error;
    }
    if (matches.length === 0) return send(response, { status: 404, body: { error: `no route ${path}` } });
    const match = matches.find(({ route }) => route.method === request.method);
    if (match === undefined) {
      return send(response, { status: 405, body: { error: `${request.method} not allowed on ${path}` } });
    }
    const denied = this.authorize(match.route.access, request.headers.authorization);
    if (denied !== null) return send(response, denied);
    try {
      const limit = match.route.maxBodyBytes ?? this.options.maxBodyBytes ?? 64 * 1024;
      const body =
        request.method !== 'POST' && request.method !== 'DELETE'
          ? undefined
          : match.route.raw === true
            ? await readBody(request, limit)
            : parseJson(await readBody(request, limit));
      const answer = await match.route.handle({
        method: match.route.method,
        path,
        params: match.params,
        query: url.searchParams,
        body,
        headers: request.headers,
      });
      if (answer.stream !== undefined) return this.openStream(response, answer, answer.stream);
      send(response, answer);
    } catch (error) {
      if (error instanceof ApiError)
        return send(response, { status: error.status, body: { error: error.message } });
      throw error;
    }
  }

  private openStream(
    response: ServerResponse,
    { status, headers }: ApiResponse,
    stream: (response: ServerResponse) => void,
  ): void {
    response.writeHead(status, {
      ...securityHeaders(headers?.['content-type']),
      'cache-control': 'no-store',
      ...headers,
    });
    response.flushHeaders();
    this.streams.add(response);
    response.once('close', () => this.streams.delete(response));
    stream(response);
  }

  private authorize(access: RouteAccess, header: string | undefined): ApiResponse | null {
    // A signed route checks its signature itself, over the raw body.
    if (access === 'open' || access === 'signed') return null;
    const token = this.options.tokens[access];
    if (token === null) {
      return access === 'write'
        ? { status: 403, body: { error: 'mutations are disabled: set BUDGETWATCH_API_TOKEN' } }
        : null;
    }
    // Whoever may change silences may read them too.
    const accepted = access === 'read' ? [token, this.options.tokens.write] : [token];
    if (!accepted.some((candidate) => candidate !== null && bearerTokenMatches(header, candidate))) {
      return {
        status: 401,
        body: { error: 'a valid bearer token is required' },
        headers: { 'www-authenticate': 'Bearer' },
      };
    }
    return null;
  }
}

function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const expected = pattern.split('/');
  const actual = (path === '/' ? path : path.replace(/\/$/, '')).split('/');
  if (expected.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of expected.entries()) {
    const value = actual[i] as string;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        throw new ApiError(400, `malformed percent-encoding in ${path}`);
      }
    } else if (part !== value) return null;
  }
  return params;
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new ApiError(413, `body larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ApiError(413, `body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'body is not JSON');
  }
}

function send(response: ServerResponse, { status, body, headers }: ApiResponse): void {
  if (Buffer.isBuffer(body)) {
    response.writeHead(status, {
      ...securityHeaders(headers?.['content-type']),
      'cache-control': 'no-store',
      ...headers,
    });
    response.end(body);
    return;
  }
  response.writeHead(status, {
    ...securityHeaders('application/json'),
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(JSON.stringify(body));
}
