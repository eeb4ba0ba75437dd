import type { AttributeMatcher } from '../tool-calls/attribute-matcher.js';
import { DEFAULT_OUTCOME_RULES, type RecognitionProfile } from './recognition-profile.js';

/** The OpenTelemetry MCP and GenAI semantic conventions' tool call, either way. */
const SEMCONV_TOOL_CALL: readonly AttributeMatcher[] = [
  { attribute: 'mcp.method.name', equals: 'tools/call' },
  { attribute: 'gen_ai.operation.name', equals: 'execute_tool' },
];
const SEMCONV_TOOL_NAME = {
  attributes: ['gen_ai.tool.name'],
  spanName: '^(?:tools/call|execute_tool)\\s+(.+)$',
};
const SEMCONV_SERVER = [
  { attribute: 'mcp.server.name' },
  { attribute: 'mcp.server.name', on: 'resource' },
  { attribute: 'server.address', port: 'server.port' },
] as const;

/**
 * The profiles Budgetwatch ships, on by default, in the order they are tried (the first that
 * matches a span claims it; configured profiles are tried before these). The more specific come
 * first: Shinzo's spans also carry `mcp.method.name = tools/call`, which the semantic-conventions
 * profiles would otherwise take for client spans. docs/contract.md#2-input-tool-call-spans lists
 * them, with what each instrumentation emits.
 */
export const BUILT_IN_PROFILES: readonly RecognitionProfile[] = [
  {
    name: 'shinzo-mcp',
    description: '@shinzolabs/instrumentation-mcp: INTERNAL span `tools/call <tool>` in the MCP server',
    match: {
      attributes: [
        { attribute: 'mcp.method.name', equals: 'tools/call' },
        { attribute: 'mcp.tool.name', present: true },
      ],
      spanKinds: ['internal'],
    },
    tool: { attributes: ['mcp.tool.name'], spanName: '^tools/call\\s+(.+)$' },
    // The server's own process: its resource service.name (the server name Shinzo is given).
    server: [],
    perspective: 'server',
    outcome: DEFAULT_OUTCOME_RULES,
    cannotReport: ['isError results: their spans end OK, so they count as successes'],
  },
  {
    name: 'traceloop-mcp',
    description: '@traceloop/instrumentation-mcp (OpenLLMetry): CLIENT span `<tool>.tool`',
    match: {
      attributes: [{ attribute: 'traceloop.span.kind', equals: 'tool' }],
      spanKinds: ['client'],
    },
    tool: { attributes: ['traceloop.entity.name'], spanName: '^(.+)\\.tool$' },
    server: [{ attribute: 'mcp.server.name' }, { attribute: 'server.address', port: 'server.port' }],
    perspective: 'client',
    // isError results and protocol errors both set status ERROR.
    outcome: DEFAULT_OUTCOME_RULES,
    cannotReport: ['the MCP server: its calls are unattributed unless the inventory matches their tools'],
  },
  {
    name: 'vercel-ai-sdk',
    description: 'Vercel AI SDK telemetry (package `ai`): span `ai.toolCall`',
    match: { attributes: [{ attribute: 'ai.operationId', equals: 'ai.toolCall' }] },
    tool: { attributes: ['ai.toolCall.name'] },
    server: [],
    perspective: 'client',
    outcome: DEFAULT_OUTCOME_RULES,
    cannotReport: [
      'isError results: their spans end UNSET, so they count as successes',
      'the MCP server: its calls are unattributed unless the inventory matches their tools',
    ],
  },
  {
    name: 'openinference-tool',
    description: 'OpenInference TOOL spans (openinference.span.kind = TOOL), e.g. LangChain.js tools',
    match: { attributes: [{ attribute: 'openinference.span.kind', equals: 'TOOL' }] },
    // LangChain names a tool's span after the tool.
    tool: { attributes: ['tool.name'], spanName: '^(.+)$' },
    server: [],
    perspective: 'client',
    outcome: DEFAULT_OUTCOME_RULES,
    cannotReport: [
      'isError results apart from protocol errors: both end ERROR',
      'the MCP server: its calls are unattributed unless the inventory matches their tools',
    ],
  },
  {
    name: 'otel-semconv-server',
    description: 'OpenTelemetry MCP / GenAI semantic conventions: SERVER span of a tool call',
    match: { anyAttributes: SEMCONV_TOOL_CALL, spanKinds: ['server'] },
    tool: SEMCONV_TOOL_NAME,
    server: SEMCONV_SERVER,
    perspective: 'server',
    outcome: DEFAULT_OUTCOME_RULES,
  },
  {
    name: 'otel-semconv-client',
    description: 'OpenTelemetry MCP / GenAI semantic conventions: any other span of a tool call',
    match: {
      anyAttributes: SEMCONV_TOOL_CALL,
      spanKinds: ['unspecified', 'internal', 'client', 'producer', 'consumer'],
    },
    tool: SEMCONV_TOOL_NAME,
    server: SEMCONV_SERVER,
    perspective: 'client',
    outcome: DEFAULT_OUTCOME_RULES,
  },
];

export const BUILT_IN_PROFILE_NAMES: readonly string[] = BUILT_IN_PROFILES.map((profile) => profile.name);
