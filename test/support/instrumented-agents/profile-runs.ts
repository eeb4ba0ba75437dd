/**
 * The runs that prove each built-in client-side profile on a real package: which agent, set up how,
 * which outcomes the package reports as errors. Each run has a service.name of its own, and an
 * inventory server (`<run>-mcp`) that matches it, since none of these packages names the MCP
 * server on its spans; and a tool prefix of its own, so its series are its own.
 */
import type { BudgetwatchInstance } from '../budgetwatch-instance.js';
import { inventoryEntry } from '../inventory-entries.js';
import { toolCallsClassified } from './budgetwatch-counts.js';
import type { CallOutcome } from './call-mix.js';
import { type AgentName, type AgentOptions, runAgent } from './run-agent.js';

export interface ProfileRun {
  name: string;
  agent: AgentName;
  options: Omit<AgentOptions, 'otlpUrl'>;
  prefix: string;
  /** The outcomes of the mix the package reports as errors. */
  errors: CallOutcome[];
  title: string;
}

export const PROFILE_RUNS: ProfileRun[] = [
  {
    name: 'traceloop-stdio',
    agent: 'traceloop',
    options: { transport: 'stdio' },
    prefix: 'tls_',
    errors: ['isError', 'protocolError'],
    title: 'Traceloop over stdio: 13 errors (isError and protocol errors both set status ERROR)',
  },
  {
    name: 'traceloop-http',
    agent: 'traceloop',
    options: { transport: 'http' },
    prefix: 'tlh_',
    errors: ['isError', 'protocolError'],
    title: 'Traceloop over Streamable HTTP: the same; the spans still carry no server.address',
  },
  {
    name: 'ai-sdk',
    agent: 'aiSdk',
    options: {},
    prefix: 'ai_',
    errors: ['protocolError'],
    title:
      'AI SDK with @ai-sdk/otel (execute_tool spans): 5 errors; an isError result is no error to the AI SDK',
  },
  {
    name: 'ai-sdk-legacy',
    agent: 'aiSdk',
    options: { aiSdkTelemetry: 'legacy' },
    prefix: 'ail_',
    errors: ['protocolError'],
    title: 'AI SDK with LegacyOpenTelemetry (ai.toolCall spans): 5 errors',
  },
  {
    name: 'langchain',
    agent: 'langchain',
    options: {},
    prefix: 'lc_',
    errors: ['isError', 'protocolError'],
    title: 'OpenInference LangChain TOOL spans: 13 errors (the MCP adapters throw on isError)',
  },
];

/** Two instrumentations on one agent: LangChain's TOOL spans and Traceloop's MCP client spans. */
export const TWO_INSTRUMENTATIONS = {
  name: 'two-instrumentations',
  agent: 'langchainWithTraceloop',
  options: {},
  prefix: 'two_',
  errors: ['isError', 'protocolError'],
} as const satisfies Omit<ProfileRun, 'title'>;

/** The server a run's calls are attributed to. */
export function serverOf(run: Pick<ProfileRun, 'name'>): string {
  return `${run.name}-mcp`;
}

/** Inventory entries attributing each run's calls to its server by the agent's service.name. */
export function inventoryByServiceName(runs: readonly Pick<ProfileRun, 'name'>[]) {
  return runs.map((run) => ({
    ...inventoryEntry(serverOf(run), 2, 'unused.invalid'),
    match: [{ attribute: 'service.name', on: 'resource', equals: `${run.name}-agent` }],
  }));
}

/** Runs one agent into Budgetwatch; returns how many tool calls the ingest classified from it. */
export function runProfile(
  instance: BudgetwatchInstance,
  run: Pick<ProfileRun, 'name' | 'agent' | 'options' | 'prefix'>,
): Promise<number> {
  return toolCallsClassified(instance, 50, () =>
    runAgent(run.agent, {
      ...run.options,
      otlpUrl: instance.intakeUrl,
      serviceName: `${run.name}-agent`,
      toolPrefix: run.prefix,
    }),
  );
}
