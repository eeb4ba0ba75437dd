/**
 * An agent that calls the fixture server with the official MCP SDK client (`Client` from
 * @modelcontextprotocol/sdk), making the calls of callMix() one after another. Whatever
 * instrumentation is loaded before it (a `--import` file) records the calls; it prints one JSON
 * line with the outcome of each call as the client saw it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { type CallOutcome, callMix } from './call-mix.js';
import { finishAgent, fixtureEndpoint } from './fixture-connection.js';

const endpoint = await fixtureEndpoint();
const transport: Transport =
  endpoint.kind === 'http'
    ? (new StreamableHTTPClientTransport(endpoint.url) as Transport)
    : new StdioClientTransport(endpoint);

const client = new Client({ name: 'instrumented-agent', version: '1.0.0' });
await client.connect(transport);
const seen: CallOutcome[] = [];
for (const call of callMix()) {
  try {
    const result = await client.callTool({ name: call.tool, arguments: { outcome: call.outcome } });
    seen.push(result.isError === true ? 'isError' : 'ok');
  } catch (error) {
    if (!(error instanceof McpError)) throw error;
    seen.push('protocolError');
  }
}
await client.close();
await finishAgent(seen);
