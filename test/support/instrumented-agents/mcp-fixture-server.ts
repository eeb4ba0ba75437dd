/**
 * A real MCP server for the instrumented-agent tests, run as a process of its own. Its three tools
 * answer as their `outcome` argument says: a normal result, an `isError: true` result, or a
 * JSON-RPC error.
 *
 * Environment:
 * - FIXTURE_TRANSPORT: `stdio` (default) or `http` (Streamable HTTP on a free loopback port,
 *   announced as a `{"listening": PORT}` line on stdout; stopped by SIGTERM).
 * - FIXTURE_API: `low-level` (default: the SDK's Server with its own tools/call handler, which can
 *   answer with a JSON-RPC error) or `mcp-server` (the SDK's McpServer and `server.tool()`, what
 *   server-side instrumentations wrap; McpServer itself turns a thrown error into an `isError`
 *   result, so a protocol error is thrown as the one code it passes through, -32042). Under
 *   Shinzo 1.1 the wrapped handler swallows what it throws (its catch shadows the error it means
 *   to rethrow): the server answers with no result and the client fails with -32602 "Invalid
 *   tools/call result", an error all the same.
 * - FIXTURE_SHINZO_ENDPOINT: with `mcp-server`, instruments the server with
 *   @shinzolabs/instrumentation-mcp as its README says, exporting to this OTLP base URL.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { instrumentServer } from '@shinzolabs/instrumentation-mcp';
import { z } from 'zod';
import { type CallOutcome, FIXTURE_TOOLS, toolPrefix } from './call-mix.js';
import { FIXTURE_SERVER_NAME } from './fixture-server-name.js';

const outcomes = ['ok', 'isError', 'protocolError'] as const;
const toolNames = FIXTURE_TOOLS.map((tool) => `${toolPrefix()}${tool}`);

/** The answer of a tool whose outcome is not a protocol error. */
function toolResult(tool: string, outcome: Exclude<CallOutcome, 'protocolError'>): CallToolResult {
  return outcome === 'ok'
    ? { content: [{ type: 'text', text: `${tool}: done` }] }
    : { content: [{ type: 'text', text: `${tool}: the backend refused` }], isError: true };
}

function lowLevelServer(): { server: Server; shutdown: () => Promise<void> } {
  const server = new Server({ name: FIXTURE_SERVER_NAME, version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: toolNames.map((name) => ({
      name,
      description: `The fixture's ${name} tool`,
      inputSchema: {
        type: 'object' as const,
        properties: { outcome: { type: 'string', enum: [...outcomes] } },
        required: ['outcome'],
      },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const outcome = request.params.arguments?.outcome;
    if (outcome === 'protocolError') {
      throw new McpError(ErrorCode.InternalError, `${request.params.name}: the backend is down`);
    }
    if (outcome !== 'ok' && outcome !== 'isError') {
      throw new McpError(ErrorCode.InvalidParams, `unknown outcome ${String(outcome)}`);
    }
    return toolResult(request.params.name, outcome);
  });
  return { server, shutdown: async () => undefined };
}

function mcpServer(): { server: Server; shutdown: () => Promise<void> } {
  const server = new McpServer({ name: FIXTURE_SERVER_NAME, version: '1.0.0' });
  const shinzoEndpoint = process.env.FIXTURE_SHINZO_ENDPOINT;
  const telemetry =
    shinzoEndpoint === undefined
      ? undefined
      : instrumentServer(server, {
          serverName: FIXTURE_SERVER_NAME,
          serverVersion: '1.0.0',
          exporterEndpoint: shinzoEndpoint,
        });
  for (const tool of toolNames) {
    // server.tool() is the registration Shinzo wraps (it does not wrap registerTool).
    server.tool(tool, `The fixture's ${tool} tool`, { outcome: z.enum(outcomes) }, ({ outcome }) => {
      if (outcome === 'protocolError') {
        throw new McpError(ErrorCode.UrlElicitationRequired, `${tool}: the backend is down`, {
          elicitations: [],
        });
      }
      return toolResult(tool, outcome);
    });
  }
  return { server: server.server, shutdown: async () => telemetry?.shutdown() };
}

async function serveStdio(server: Server, shutdown: () => Promise<void>): Promise<void> {
  const transport = new StdioServerTransport();
  // The client closes stdin when it is done: flush telemetry, then leave.
  process.stdin.on('end', () => {
    void shutdown().finally(() => process.exit(0));
  });
  await server.connect(transport);
}

async function serveHttp(server: Server, shutdown: () => Promise<void>): Promise<void> {
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
  });
  await server.connect(transport as Transport);
  const http = createServer((request, response) => {
    void transport.handleRequest(request, response);
  });
  http.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ listening: (http.address() as AddressInfo).port })}\n`);
  });
  process.once('SIGTERM', () => {
    http.close();
    void shutdown().finally(() => process.exit(0));
  });
}

const { server, shutdown } = process.env.FIXTURE_API === 'mcp-server' ? mcpServer() : lowLevelServer();
if (process.env.FIXTURE_TRANSPORT === 'http') await serveHttp(server, shutdown);
else await serveStdio(server, shutdown);
