/**
 * An agent on the Vercel AI SDK (`ai`): the fixture server's tools come from the SDK's MCP client
 * (@ai-sdk/mcp), a scripted model from the SDK's test utilities (`ai/test`) asks for the calls of
 * callMix() in one step, and generateText runs them. Telemetry is the SDK's OpenTelemetry
 * integration (@ai-sdk/otel) registered as its README says; AI_SDK_TELEMETRY=legacy registers its
 * LegacyOpenTelemetry instead (the `ai.toolCall` spans of AI SDK 6 and before).
 */

import { createMCPClient } from '@ai-sdk/mcp';
import { StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { LegacyOpenTelemetry, OpenTelemetry } from '@ai-sdk/otel';
import { generateText, isStepCount, registerTelemetry } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { startAgentTracing } from './agent-tracing.js';
import { type CallOutcome, callMix } from './call-mix.js';
import { finishAgent, fixtureEndpoint } from './fixture-connection.js';

startAgentTracing();
registerTelemetry(
  process.env.AI_SDK_TELEMETRY === 'legacy' ? new LegacyOpenTelemetry() : new OpenTelemetry(),
);

const endpoint = await fixtureEndpoint();
const mcp = await createMCPClient({
  transport:
    endpoint.kind === 'http' ? { type: 'http', url: endpoint.url.href } : new StdioMCPTransport(endpoint),
});
const tools = await mcp.tools();

const calls = callMix();
const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};
const model = new MockLanguageModelV4({
  doGenerate: [
    {
      content: calls.map((call, index) => ({
        type: 'tool-call' as const,
        toolCallId: `call-${index}`,
        toolName: call.tool,
        input: JSON.stringify({ outcome: call.outcome }),
      })),
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage,
      warnings: [],
    },
    {
      content: [{ type: 'text', text: 'done' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage,
      warnings: [],
    },
  ],
});

const result = await generateText({
  model,
  tools,
  prompt: 'Use the tools.',
  stopWhen: isStepCount(2),
  telemetry: { functionId: 'instrumented-agent' },
});
const seen: CallOutcome[] = calls.map((_, index) => {
  const part = result.steps[0]?.content.find(
    (content) =>
      (content.type === 'tool-result' || content.type === 'tool-error') &&
      content.toolCallId === `call-${index}`,
  );
  if (part?.type === 'tool-error') return 'protocolError';
  const output = part?.type === 'tool-result' ? (part.output as { isError?: boolean }) : undefined;
  return output?.isError === true ? 'isError' : 'ok';
});
await mcp.close();
await finishAgent(seen);
