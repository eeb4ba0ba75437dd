/**
 * A real MCP server (the SDK's McpServer over Streamable HTTP, one session per client) whose
 * tools the test controls: `charge` answers ok or, once switched to failing, an isError result;
 * `hold` waits until the test releases it, so calls in flight can be counted at the server. A
 * resource, `status://backend`, says which.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';

export interface SwitchableMcpServer {
  url: string;
  name: string;
  /** Calls that reached each tool. */
  readonly calls: { charge: number; hold: number };
  failing: boolean;
  /** `hold` calls running now, and the most at once. */
  readonly holding: { now: number; max: number };
  /** Lets every waiting `hold` call answer. */
  releaseHolds(): void;
  close(): Promise<void>;
}

export async function startSwitchableMcpServer(name: string): Promise<SwitchableMcpServer> {
  const calls = { charge: 0, hold: 0 };
  const holding = { now: 0, max: 0 };
  let releases: Array<() => void> = [];
  const control = { failing: false };
  const transports = new Map<string, StreamableHTTPServerTransport>();

  const newServer = () => {
    const server = new McpServer({ name, version: '1.0.0' });
    server.registerTool('charge', { inputSchema: { amount: z.number().optional() } }, () => {
      calls.charge += 1;
      return control.failing
        ? { content: [{ type: 'text', text: `${name}: the backend refused` }], isError: true }
        : { content: [{ type: 'text', text: `${name}: charged` }] };
    });
    server.registerTool('hold', { inputSchema: {} }, async () => {
      calls.hold += 1;
      holding.now += 1;
      holding.max = Math.max(holding.max, holding.now);
      await new Promise<void>((resolve) => releases.push(resolve));
      holding.now -= 1;
      return { content: [{ type: 'text', text: `${name}: held` }] };
    });
    server.registerResource('status', 'status://backend', { mimeType: 'text/plain' }, (uri) => ({
      contents: [{ uri: uri.href, text: control.failing ? 'failing' : 'healthy' }],
    }));
    return server;
  };

  const http: Server = createServer((request, response) => {
    const sessionId = request.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (existing !== undefined) {
      void existing.handleRequest(request, response);
      return;
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
    };
    void newServer()
      .connect(transport as Transport)
      .then(() => transport.handleRequest(request, response));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const releaseHolds = () => {
    const waiting = releases;
    releases = [];
    for (const release of waiting) release();
  };
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    name,
    calls,
    get failing() {
      return control.failing;
    },
    set failing(value: boolean) {
      control.failing = value;
    },
    holding,
    releaseHolds,
    async close() {
      releaseHolds();
      for (const transport of transports.values()) await transport.close();
      http.close();
      http.closeAllConnections();
      await once(http, 'close');
    },
  };
}
