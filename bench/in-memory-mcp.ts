import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/**
 * A real MCP server (the SDK's McpServer) and a real SDK Client linked by the SDK's
 * InMemoryTransport: no network between them, so what the guard benches time is the guard and
 * the pipeline. Its tool `charge` answers ok, or an `isError` result once `failing` is set.
 */
export interface InMemoryMcpPair {
  client: Client;
  failing: boolean;
  /** Calls that reached the tool. */
  readonly calls: number;
  close(): Promise<void>;
}

export async function connectInMemoryMcp(): Promise<InMemoryMcpPair> {
  const state = { failing: false, calls: 0 };
  const server = new McpServer({ name: 'bench-tool-server', version: '1.0.0' });
  server.registerTool('charge', { inputSchema: {} }, () => {
    state.calls += 1;
    return state.failing
      ? { content: [{ type: 'text', text: 'the backend refused' }], isError: true }
      : { content: [{ type: 'text', text: 'charged' }] };
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'bench-agent', version: '1.0.0' });
  await client.connect(clientSide);
  return {
    client,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    get calls() {
      return state.calls;
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}
