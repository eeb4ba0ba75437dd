import type { Block, DecisionFeed } from '@budgetwatch/mcp-guard';
import { guardClient } from '@budgetwatch/mcp-guard';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ProxyTracerProvider } from '@opentelemetry/api';
import type { GuardedProbe } from './kill-switch-drill.js';

/** The probe's one tool. */
export const PROBE_TOOL = 'budgetwatch-drill-probe';

export interface StartedProbe extends GuardedProbe {
  /** Calls that reached the probe's tool. */
  readonly reached: number;
  close(): Promise<void>;
}

/**
 * A guarded agent in miniature for the kill-switch drill: an in-process MCP server with one tool
 * and an SDK client on it, wrapped by @budgetwatch/mcp-guard as the drilled server, following
 * `feed`. A call answers whether it reached the tool or which decision the guard blocked it by.
 */
export async function startGuardedProbe(server: string, feed: DecisionFeed): Promise<StartedProbe> {
  let reached = 0;
  const mcp = new McpServer({ name: 'budgetwatch-drill-probe', version: '1.0.0' });
  mcp.registerTool(PROBE_TOOL, { description: 'answers, so a drill sees calls flow' }, () => {
    reached += 1;
    return { content: [{ type: 'text', text: 'reached' }] };
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.connect(serverSide);
  const client = new Client({ name: 'budgetwatch-drill', version: '1.0.0' });
  await client.connect(clientSide);
  let lastBlock: Block | undefined;
  const guarded = guardClient(client, {
    server,
    feed,
    // The probe's calls are the drill's, not the server's traffic: no spans, so they count nowhere.
    tracer: new ProxyTracerProvider().getTracer('budgetwatch-drill-probe'),
    fallback: (_request, block) => {
      lastBlock = block;
      return { content: [{ type: 'text', text: `blocked: ${block.reason}` }], isError: true };
    },
  });
  return {
    get reached() {
      return reached;
    },
    async call() {
      lastBlock = undefined;
      const before = reached;
      await guarded.callTool({ name: PROBE_TOOL, arguments: {} });
      if (reached > before) return { reached: true };
      if (lastBlock === undefined) throw new Error('the probe neither reached its tool nor was blocked');
      return { reached: false, block: lastBlock };
    },
    async close() {
      guarded.guard.dispose();
      await client.close();
      await mcp.close();
    },
  };
}
