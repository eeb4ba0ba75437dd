/**
 * `budgetwatch guard-proxy`: an MCP Streamable HTTP server in front of upstream MCP servers, so
 * an agent in any language gets the guard by changing one URL (docs/guard.md, "The proxy"). Each
 * session at `/mcp/<server-id>` connects a guarded SDK Client to that upstream and forwards
 * tools/list and tools/call through it (resources and prompts pass through unguarded).
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { DecisionFeed } from './decision-feed.js';
import {
  blockedText,
  createToolGuard,
  type FallbackFunction,
  type GuardOptions,
  type ToolGuard,
} from './tool-guard.js';

export interface GuardProxyUpstream {
  /** The Budgetwatch server id; the proxy serves it at `/mcp/<id>`. */
  id: string;
  /** The upstream's Streamable HTTP endpoint. */
  url: string;
  /**
   * Another upstream's id: a blocked call goes to that upstream's tool of the same name (through
   * that upstream's guard) instead of the default isError result; the default result when that
   * upstream cannot be reached.
   */
  fallback?: string;
}

export interface GuardProxyOptions {
  upstreams: readonly GuardProxyUpstream[];
  feed: DecisionFeed;
  /** Guard options shared by every upstream (the server id, feed and fallback are the proxy's). */
  guard?: Omit<GuardOptions, 'server' | 'feed' | 'fallback'>;
  /** Default 127.0.0.1: the proxy carries agents' tool calls and has no authentication of its own. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Sessions open at once, over all upstreams (default 256); one more is answered 503. */
  maxSessions?: number;
  /** A session idle this long is closed (default 30 minutes). */
  sessionIdleMs?: number;
  /** Told of upstream connection failures and session errors. */
  onError?: (error: Error) => void;
}

export interface GuardProxy {
  /** The base URL; upstream `id` is at `${url}/mcp/${id}`. */
  url: string;
  readonly sessions: number;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  upstream: Client;
  idle?: NodeJS.Timeout;
}

const SERVER_ID = /^[A-Za-z0-9._~-]{1,200}$/;

export function validateUpstreams(upstreams: readonly GuardProxyUpstream[]): void {
  if (upstreams.length === 0) throw new RangeError('guard-proxy needs at least one upstream');
  const seen = new Set<string>();
  for (const { id, url } of upstreams) {
    if (!SERVER_ID.test(id)) {
      throw new RangeError(
        `guard-proxy: upstream id ${JSON.stringify(id)} must be 1-200 of A-Z a-z 0-9 . _ ~ -`,
      );
    }
    if (seen.has(id)) throw new RangeError(`guard-proxy: upstream ${id} is given twice`);
    seen.add(id);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RangeError(`guard-proxy: upstream ${id} has no valid URL: ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new RangeError(`guard-proxy: upstream ${id} must be an http(s) URL, not ${parsed.protocol}`);
    }
  }
  for (const { id, fallback } of upstreams) {
    if (fallback === undefined) continue;
    if (fallback === id) throw new RangeError(`guard-proxy: upstream ${id} cannot be its own fallback`);
    if (!seen.has(fallback))
      throw new RangeError(`guard-proxy: the fallback of ${id}, ${fallback}, is no upstream`);
  }
}

export async function startGuardProxy(options: GuardProxyOptions): Promise<GuardProxy> {
  validateUpstreams(options.upstreams);
  const upstreams = new Map(options.upstreams.map((upstream) => [upstream.id, upstream]));
  const maxSessions = options.maxSessions ?? 256;
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const sessions = new Map<string, Session>();
  let opening = 0;

  const closeSession = async (id: string) => {
    const session = sessions.get(id);
    if (session === undefined) return;
    sessions.delete(id);
    clearTimeout(session.idle);
    await Promise.allSettled([session.transport.close(), session.upstream.close()]);
  };
  const touch = (id: string, session: Session) => {
    clearTimeout(session.idle);
    session.idle = setTimeout(() => void closeSession(id), idleMs);
    session.idle.unref();
  };

  // One guard per upstream, shared by its sessions: the in-flight cap and the probe clock are per
  // tool of the server, however many agents' sessions call it.
  const guards = new Map<string, ToolGuard>();
  const fallbackClients = new Map<string, Promise<Client>>();
  /** One client per fallback upstream, shared; dropped after a failure so the next call reconnects. */
  const fallbackClient = (target: GuardProxyUpstream): Promise<Client> => {
    let client = fallbackClients.get(target.id);
    if (client === undefined) {
      const connecting = new Client({ name: 'budgetwatch-guard-proxy', version: '1.0.0' });
      client = connecting
        .connect(new StreamableHTTPClientTransport(new URL(target.url)))
        .then(() => connecting);
      fallbackClients.set(target.id, client);
    }
    return client;
  };
  /** A blocked call on `upstream` goes to `target`'s tool, through `target`'s own guard. */
  const fallbackTo =
    (upstream: GuardProxyUpstream, target: GuardProxyUpstream): FallbackFunction =>
    async (request, block) => {
      try {
        const client = await fallbackClient(target);
        const guard = guards.get(target.id) as ToolGuard;
        return await guard.call(request, undefined, (call, callOptions) =>
          client.callTool(call, undefined, callOptions),
        );
      } catch (error) {
        if (error instanceof McpError) throw error;
        fallbackClients.delete(target.id);
        options.onError?.(new Error(`fallback ${target.id} of ${upstream.id} failed: ${message(error)}`));
        return {
          content: [{ type: 'text', text: blockedText(upstream.id, request.name, block) }],
          isError: true,
        };
      }
    };
  for (const upstream of options.upstreams) {
    const target = upstream.fallback === undefined ? undefined : upstreams.get(upstream.fallback);
    guards.set(
      upstream.id,
      createToolGuard({
        ...options.guard,
        server: upstream.id,
        feed: options.feed,
        ...(target === undefined ? {} : { fallback: fallbackTo(upstream, target) }),
      }),
    );
  }

  const openSession = async (
    upstream: GuardProxyUpstream,
    request: IncomingMessage,
    response: ServerResponse,
  ) => {
    const client = new Client({ name: 'budgetwatch-guard-proxy', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(upstream.url)));
    } catch (error) {
      options.onError?.(
        new Error(`upstream ${upstream.id} (${upstream.url}) refused the session: ${message(error)}`),
      );
      jsonRpcError(response, 502, `guard-proxy: upstream ${upstream.id} is unreachable`);
      return;
    }
    const guard = guards.get(upstream.id) as ToolGuard;
    const upstreamCapabilities = client.getServerCapabilities() ?? {};
    const server = new Server(
      { name: `budgetwatch-guard-proxy/${upstream.id}`, version: '1.0.0' },
      {
        capabilities: {
          tools: {},
          // Resources and prompts pass through unguarded, when the upstream has them.
          ...(upstreamCapabilities.resources === undefined ? {} : { resources: {} }),
          ...(upstreamCapabilities.prompts === undefined ? {} : { prompts: {} }),
        },
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, (list) => client.listTools(list.params));
    server.setRequestHandler(CallToolRequestSchema, (call) =>
      guard.call(call.params, undefined, (request, callOptions) =>
        client.callTool(request, undefined, callOptions),
      ),
    );
    if (upstreamCapabilities.resources !== undefined) {
      server.setRequestHandler(ListResourcesRequestSchema, (list) => client.listResources(list.params));
      server.setRequestHandler(ListResourceTemplatesRequestSchema, (list) =>
        client.listResourceTemplates(list.params),
      );
      server.setRequestHandler(ReadResourceRequestSchema, (read) => client.readResource(read.params));
    }
    if (upstreamCapabilities.prompts !== undefined) {
      server.setRequestHandler(ListPromptsRequestSchema, (list) => client.listPrompts(list.params));
      server.setRequestHandler(GetPromptRequestSchema, (get) => client.getPrompt(get.params));
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const session: Session = { transport, upstream: client };
        sessions.set(id, session);
        touch(id, session);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) void closeSession(transport.sessionId);
      else void client.close();
    };
    await server.connect(transport as Transport);
    await transport.handleRequest(request, response);
    // A request that did not initialize a session leaves nothing behind.
    if (transport.sessionId === undefined) await Promise.allSettled([transport.close(), client.close()]);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    const match = /^\/mcp\/([^/]+)$/.exec(url.pathname);
    const upstream = match?.[1] === undefined ? undefined : upstreams.get(decodeURIComponent(match[1]));
    if (upstream === undefined) {
      jsonRpcError(
        response,
        404,
        `guard-proxy serves ${[...upstreams.keys()].map((id) => `/mcp/${id}`).join(', ')}`,
      );
      return;
    }
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (session === undefined) {
        jsonRpcError(response, 404, 'guard-proxy: unknown or expired session; initialize a new one');
        return;
      }
      touch(sessionId, session);
      await session.transport.handleRequest(request, response);
      return;
    }
    if (sessions.size + opening >= maxSessions) {
      jsonRpcError(response, 503, `guard-proxy: ${maxSessions} sessions are open; try again later`);
      return;
    }
    opening += 1;
    try {
      await openSession(upstream, request, response);
    } finally {
      opening -= 1;
    }
  };

  const http: HttpServer = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.onError?.(new Error(`guard-proxy request failed: ${message(error)}`));
      if (!response.headersSent) jsonRpcError(response, 500, 'guard-proxy: internal error');
      else response.destroy();
    });
  });
  http.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(http, 'listening');
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    get sessions() {
      return sessions.size;
    },
    async close() {
      await Promise.allSettled([...sessions.keys()].map(closeSession));
      for (const guard of guards.values()) guard.dispose();
      await Promise.allSettled([...fallbackClients.values()].map(async (client) => (await client).close()));
      http.close();
      http.closeAllConnections();
      await once(http, 'close');
    },
  };
}

function jsonRpcError(response: ServerResponse, status: number, text: string): void {
  response
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: text }, id: null }));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
