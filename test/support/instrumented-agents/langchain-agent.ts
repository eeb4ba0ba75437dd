/**
 * An agent on LangChain.js: the fixture server's tools come from @langchain/mcp-adapters, a fake
 * chat model from LangChain's test utilities answers with the tool calls of callMix(), and each
 * tool call is invoked as a LangChain tool. The OpenInference LangChain instrumentation records
 * them, set up as its README says (manuallyInstrument on the callbacks manager module).
 */
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { AIMessageChunk } from '@langchain/core/messages';
import { FakeStreamingChatModel } from '@langchain/core/utils/testing';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { startAgentTracing } from './agent-tracing.js';
import { type CallOutcome, callMix } from './call-mix.js';
import { finishAgent, fixtureEndpoint } from './fixture-connection.js';

startAgentTracing();
new LangChainInstrumentation().manuallyInstrument(CallbackManagerModule);

const endpoint = await fixtureEndpoint();
const mcp = new MultiServerMCPClient({
  mcpServers: {
    fixture:
      endpoint.kind === 'http'
        ? { transport: 'http', url: endpoint.url.href }
        : { transport: 'stdio', command: endpoint.command, args: endpoint.args, env: endpoint.env },
  },
});
const tools = new Map((await mcp.getTools()).map((tool) => [tool.name, tool]));

const calls = callMix();
// The fake model answers with the tool calls of its first chunk.
const model = new FakeStreamingChatModel({
  chunks: [
    new AIMessageChunk({
      content: '',
      tool_calls: calls.map((call, index) => ({
        id: `call-${index}`,
        name: call.tool,
        args: { outcome: call.outcome },
        type: 'tool_call' as const,
      })),
    }),
  ],
});
const reply = await model.bindTools([...tools.values()]).invoke('Use the tools.');
const seen: CallOutcome[] = [];
for (const toolCall of reply.tool_calls ?? []) {
  const tool = tools.get(toolCall.name);
  if (tool === undefined) throw new Error(`no tool ${toolCall.name}`);
  try {
    await tool.invoke(toolCall);
    seen.push('ok');
  } catch (error) {
    // The adapters raise their own ToolException for an isError result; a JSON-RPC error is another error.
    const isToolException = error instanceof Error && error.name === 'ToolException';
    seen.push(isToolException && /returned an error/.test(error.message) ? 'isError' : 'protocolError');
  }
}
await mcp.close();
await finishAgent(seen);
