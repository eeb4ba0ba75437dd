import { describe, expect, it } from 'vitest';
import { type ExtractionContext, extractToolCall, type SpanInput } from '../tool-calls/extract-tool-call.js';
import { NO_INVENTORY, UNATTRIBUTED_SERVER } from '../tool-calls/server-identity.js';
import { BUILT_IN_PROFILE_NAMES } from './built-in-profiles.js';
import { DEFAULT_OUTCOME_RULES, type RecognitionProfile, SPAN_KINDS } from './recognition-profile.js';
import { activeProfiles, compileRecognizer, recognitionSettingsProblems } from './recognizer.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const { internal: INTERNAL, server: SERVER, client: CLIENT } = SPAN_KINDS;
const ERROR = 2;

function context(perspective: 'client' | 'server', recognizer = compileRecognizer()): ExtractionContext {
  return {
    recognizer,
    perspective,
    resolveInventory: NO_INVENTORY,
    nowMs: NOW,
    plausibility: { maxAgeMs: 24 * 3600_000, maxLatencyMs: 3_600_000 },
  };
}

function span(fields: Partial<SpanInput>): SpanInput {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    name: 'span',
    kind: INTERNAL,
    startTimeMs: NOW - 300,
    endTimeMs: NOW - 100,
    statusCode: 0,
    attributes: {},
    resource: { 'service.name': 'agent' },
    ...fields,
  };
}

/** Spans shaped as each instrumentation emits them (names and attributes from its source). */
const EMITTED = {
  traceloopClient: (tool: string, statusCode = 0) =>
    span({
      name: `${tool}.tool`,
      kind: CLIENT,
      statusCode,
      attributes: {
        'traceloop.span.kind': 'tool',
        'traceloop.entity.name': tool,
        'traceloop.entity.input': '{"tool_name":"x"}',
      },
    }),
  shinzoServer: (tool: string, attributes: Record<string, string> = {}) =>
    span({
      name: `tools/call ${tool}`,
      kind: INTERNAL,
      attributes: { 'mcp.method.name': 'tools/call', 'mcp.tool.name': tool, ...attributes },
      resource: { 'service.name': 'weather-server' },
    }),
  aiSdkToolCall: (tool: string, statusCode = 0) =>
    span({
      name: 'ai.toolCall',
      statusCode,
      attributes: {
        'ai.operationId': 'ai.toolCall',
        'operation.name': 'ai.toolCall',
        'ai.toolCall.name': tool,
      },
    }),
  openInferenceTool: (tool: string) =>
    span({ name: tool, attributes: { 'openinference.span.kind': 'TOOL', 'tool.name': tool } }),
};

describe('built-in profiles', () => {
  it('are all on by default, in their documented order', () => {
    expect(activeProfiles({ profiles: [], disabled: [] }).map((profile) => profile.name)).toEqual([
      'shinzo-mcp',
      'traceloop-mcp',
      'vercel-ai-sdk',
      'openinference-tool',
      'otel-semconv-server',
      'otel-semconv-client',
    ]);
  });

  it.each([
    ['traceloop-mcp', EMITTED.traceloopClient('search'), 'search', 'ok'],
    ['traceloop-mcp', EMITTED.traceloopClient('search', ERROR), 'search', 'error'],
    ['vercel-ai-sdk', EMITTED.aiSdkToolCall('lookup'), 'lookup', 'ok'],
    ['vercel-ai-sdk', EMITTED.aiSdkToolCall('lookup', ERROR), 'lookup', 'error'],
    ['openinference-tool', EMITTED.openInferenceTool('fetch_page'), 'fetch_page', 'ok'],
  ])('%s counts the client side: %s', (profile, input, tool, outcome) => {
    expect(extractToolCall(input, context('client'))).toEqual({
      kind: 'call',
      profile,
      attributed: false,
      call: expect.objectContaining({ tool, outcome, server: UNATTRIBUTED_SERVER, unregistered: true }),
    });
  });

  it('shinzo-mcp: an INTERNAL span stands for the server side, named by its service', () => {
    const input = EMITTED.shinzoServer('forecast', { 'error.type': 'Error' });
    expect(extractToolCall(input, context('client'))).toEqual({
      kind: 'other_perspective',
      profile: 'shinzo-mcp',
      perspective: 'server',
    });
    expect(extractToolCall(input, context('server'))).toMatchObject({
      kind: 'call',
      profile: 'shinzo-mcp',
      attributed: true,
      call: { tool: 'forecast', server: 'weather-server', outcome: 'error' },
    });
  });

  it('a Traceloop span that is not a CLIENT span (a decorated local tool) is not an MCP call', () => {
    expect(extractToolCall({ ...EMITTED.traceloopClient('x'), kind: INTERNAL }, context('client'))).toEqual({
      kind: 'not_tool_call',
    });
  });

  it('OpenInference tool name falls back to the span name (LangChain names the span after the tool)', () => {
    const input = span({ name: 'lookup_order', attributes: { 'openinference.span.kind': 'TOOL' } });
    expect(extractToolCall(input, context('client'))).toMatchObject({ call: { tool: 'lookup_order' } });
  });

  it('Traceloop tool name falls back to the span name', () => {
    const input = EMITTED.traceloopClient('search');
    const withoutName = { ...input, attributes: { 'traceloop.span.kind': 'tool' } };
    expect(extractToolCall(withoutName, context('client'))).toMatchObject({ call: { tool: 'search' } });
  });

  it('semantic conventions: SERVER spans are the server side, every other kind the client side', () => {
    const attributes = { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'q', 'mcp.server.name': 'db' };
    expect(extractToolCall(span({ kind: SERVER, attributes }), context('server'))).toMatchObject({
      profile: 'otel-semconv-server',
      call: { server: 'db' },
    });
    expect(extractToolCall(span({ kind: CLIENT, attributes }), context('client'))).toMatchObject({
      profile: 'otel-semconv-client',
    });
  });

  it('HTTP, database and chat spans are not tool calls', () => {
    const others: Record<string, string>[] = [
      { 'http.request.method': 'GET', 'url.full': 'https://x' },
      { 'db.system.name': 'postgresql', 'db.query.text': 'select 1' },
      { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' },
      { 'mcp.method.name': 'tools/list' },
    ];
    for (const attributes of others) {
      expect(extractToolCall(span({ kind: CLIENT, attributes }), context('client'))).toEqual({
        kind: 'not_tool_call',
      });
    }
  });
});

describe('configured profiles', () => {
  const inHouse: RecognitionProfile = {
    name: 'acme-rpc',
    description: 'in-house',
    match: {
      attributes: [{ attribute: 'acme.rpc.kind', equals: 'tool' }],
      spanKinds: ['client'],
      spanName: '^acme ',
    },
    tool: { attributes: ['acme.tool'], spanName: '^acme (\\S+)' },
    server: [{ attribute: 'acme.backend', on: 'resource', port: 'acme.port' }],
    perspective: 'client',
    outcome: {
      ...DEFAULT_OUTCOME_RULES,
      statusError: false,
      error: [{ attribute: 'acme.failed', equals: true }],
    },
  };
  const recognizer = compileRecognizer({ profiles: [inHouse], disabled: [] });

  it('recognise an in-house convention: every condition, tool from the span name, server from the resource', () => {
    const input = span({
      name: 'acme lookup',
      kind: CLIENT,
      statusCode: ERROR,
      attributes: { 'acme.rpc.kind': 'tool', 'acme.failed': 'true' },
      resource: { 'acme.backend': 'crm', 'acme.port': 9000 },
    });
    expect(extractToolCall(input, context('client', recognizer))).toMatchObject({
      profile: 'acme-rpc',
      call: { tool: 'lookup', server: 'crm:9000', outcome: 'error' },
    });
    // Status ERROR alone is not an error for this profile.
    const statusOnly = { ...input, attributes: { 'acme.rpc.kind': 'tool' } };
    expect(extractToolCall(statusOnly, context('client', recognizer))).toMatchObject({
      call: { outcome: 'ok' },
    });
    expect(extractToolCall({ ...input, kind: INTERNAL }, context('client', recognizer))).toEqual({
      kind: 'not_tool_call',
    });
    expect(extractToolCall({ ...input, name: 'other lookup' }, context('client', recognizer))).toEqual({
      kind: 'not_tool_call',
    });
  });

  it('are tried before the built-in ones', () => {
    const claimsSemconv: RecognitionProfile = {
      ...inHouse,
      name: 'mine',
      match: { attributes: [{ attribute: 'mcp.method.name', equals: 'tools/call' }] },
      tool: { attributes: ['gen_ai.tool.name'] },
    };
    const input = span({ attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 't' } });
    const mine = compileRecognizer({ profiles: [claimsSemconv], disabled: [] });
    expect(extractToolCall(input, context('client', mine))).toMatchObject({ profile: 'mine' });
  });

  it('a disabled built-in profile recognises nothing', () => {
    const withoutTraceloop = compileRecognizer({ profiles: [], disabled: ['traceloop-mcp'] });
    expect(extractToolCall(EMITTED.traceloopClient('search'), context('client', withoutTraceloop))).toEqual({
      kind: 'not_tool_call',
    });
  });

  it('settings naming an unknown built-in, or a name twice, are refused', () => {
    expect(recognitionSettingsProblems({ profiles: [], disabled: ['nope'] })).toEqual([
      { field: 'disabled', message: expect.stringContaining('no built-in profile is named nope') },
    ]);
    expect(
      recognitionSettingsProblems({
        profiles: [{ ...inHouse, name: BUILT_IN_PROFILE_NAMES[0] ?? '' }],
        disabled: [],
      }),
    ).toEqual([{ field: 'profiles', message: expect.stringContaining("is a built-in profile's name") }]);
    expect(recognitionSettingsProblems({ profiles: [inHouse, inHouse], disabled: [] })).toEqual([
      { field: 'profiles', message: 'acme-rpc is named twice' },
    ]);
    expect(recognitionSettingsProblems({ profiles: [inHouse], disabled: ['shinzo-mcp'] })).toEqual([]);
  });
});

describe('attribution', () => {
  const stdio = EMITTED.traceloopClient('search');

  it('the inventory match rules attribute a call without server attributes (by tool name)', () => {
    const withInventory = {
      ...context('client'),
      resolveInventory: (attributes: Record<string, unknown>) =>
        attributes['traceloop.entity.name'] === 'search' ? 'docs-mcp' : undefined,
    };
    expect(extractToolCall(stdio, withInventory)).toMatchObject({
      attributed: true,
      call: { server: 'docs-mcp', unregistered: false },
    });
  });

  it('a client span never takes its own service.name (that is the agent)', () => {
    expect(extractToolCall(stdio, context('client'))).toMatchObject({
      attributed: false,
      call: { server: UNATTRIBUTED_SERVER },
    });
  });

  it('a span naming the reserved id is as unattributed as one naming nothing', () => {
    const input = span({
      kind: CLIENT,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 't',
        'mcp.server.name': UNATTRIBUTED_SERVER,
      },
    });
    expect(extractToolCall(input, context('client'))).toMatchObject({ attributed: false });
  });
});
