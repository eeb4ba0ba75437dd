/**
 * Runs one instrumented agent to completion as a process of its own, the way an operator runs an
 * agent: Node with tsx, the instrumentation's `--import` file if it has one, and only the
 * environment given.
 */
import { runProcess } from '@budgetwatch/testkit';
import { type CallOutcome, callMix } from './call-mix.js';

const here = (file: string) => new URL(`./${file}`, import.meta.url).pathname;

/** The agents: which script runs, and which file sets up its instrumentation first. */
export const AGENTS = {
  /** The MCP SDK client with no instrumentation in the agent (Shinzo instruments the server). */
  plain: { script: 'mcp-sdk-agent.ts', register: undefined },
  traceloop: { script: 'mcp-sdk-agent.ts', register: 'traceloop-register.ts' },
  openinferenceMcp: { script: 'mcp-sdk-agent.ts', register: 'openinference-mcp-register.ts' },
  aiSdk: { script: 'ai-sdk-agent.ts', register: undefined },
  langchain: { script: 'langchain-agent.ts', register: undefined },
  langchainWithTraceloop: { script: 'langchain-agent.ts', register: 'traceloop-register.ts' },
} as const;

export type AgentName = keyof typeof AGENTS;

export interface AgentRun {
  /** Each call's outcome as the agent saw it, in call order. */
  seen: CallOutcome[];
  output: string;
}

export interface AgentOptions {
  /** Where the agent's spans go: an OTLP/HTTP traces URL. */
  otlpUrl: string;
  /** OTLP protobuf (default) or OTLP JSON. */
  otlpEncoding?: 'protobuf' | 'json';
  serviceName?: string;
  transport?: 'stdio' | 'http';
  /** The fixture server's API and, for Shinzo, where the server's spans go (an OTLP base URL). */
  fixtureApi?: 'low-level' | 'mcp-server';
  shinzoEndpoint?: string;
  /** Prefixes the tool names of this run (see toolPrefix). */
  toolPrefix?: string;
  /** For the AI SDK agent: its OpenTelemetry integration, or the legacy one (AI SDK 6 spans). */
  aiSdkTelemetry?: 'otel' | 'legacy';
}

export async function runAgent(agent: AgentName, options: AgentOptions): Promise<AgentRun> {
  const { script, register } = AGENTS[agent];
  const args = [
    '--import',
    'tsx',
    ...(register === undefined ? [] : ['--import', here(register)]),
    here(script),
  ];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    AGENT_OTLP_URL: options.otlpUrl,
    AGENT_OTLP_ENCODING: options.otlpEncoding ?? 'protobuf',
    AGENT_SERVICE_NAME: options.serviceName ?? `${agent}-agent`,
    FIXTURE_TRANSPORT: options.transport ?? 'stdio',
    FIXTURE_API: options.fixtureApi ?? 'low-level',
    ...(options.aiSdkTelemetry === undefined ? {} : { AI_SDK_TELEMETRY: options.aiSdkTelemetry }),
    ...(options.toolPrefix === undefined ? {} : { FIXTURE_TOOL_PREFIX: options.toolPrefix }),
    ...(options.shinzoEndpoint === undefined ? {} : { FIXTURE_SHINZO_ENDPOINT: options.shinzoEndpoint }),
  };
  const result = await runProcess(process.execPath, args, { env });
  if (result.code !== 0) throw new Error(`agent ${agent} exited ${result.code}:\n${result.output}`);
  const line = result.output.split('\n').find((candidate) => candidate.startsWith('{"seen"'));
  if (line === undefined) throw new Error(`agent ${agent} printed no outcome:\n${result.output}`);
  const seen = (JSON.parse(line) as { seen: CallOutcome[] }).seen;
  // The server answered each call as planned: what the spans say can be compared with the plan.
  const plannedOutcomes = callMix(options.toolPrefix ?? '').map((call) => call.outcome);
  if (JSON.stringify(seen) !== JSON.stringify(plannedOutcomes)) {
    throw new Error(`agent ${agent} saw ${JSON.stringify(seen)}, planned ${JSON.stringify(plannedOutcomes)}`);
  }
  return { seen, output: result.output };
}
