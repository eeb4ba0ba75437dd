/**
 * The guard around each tool call: asks decideCall, routes to the fallback, caps in-flight calls
 * while concurrency is lowered, lets probes through a rule freeze, and records one span per call
 * (docs/guard.md).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { displayText } from '@budgetwatch/domain';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolRequest } from '@modelcontextprotocol/sdk/types.js';
import {
  context,
  createContextKey,
  INVALID_SPAN_CONTEXT,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { DecisionFeed } from './decision-feed.js';
import { type Block, type DecisionPolicy, decideCall, type GuardDecision } from './guard-decision.js';
import {
  markBlock,
  markBlocked,
  markThrown,
  markToolError,
  QUEUE_FULL_REASON,
  toolCallAttributes,
  toolCallSpanName,
} from './guard-telemetry.js';

export type ToolCallParams = CallToolRequest['params'];
/** What Client.callTool resolves to. */
export type ToolCallResult = Awaited<ReturnType<Client['callTool']>>;

/** Builds the result a blocked call answers with. */
export type FallbackFunction = (
  request: ToolCallParams,
  block: Block,
) => ToolCallResult | Promise<ToolCallResult>;

/** Another MCP server's tool (the same name unless `tool` names another). */
export interface FallbackTool {
  client: Pick<Client, 'callTool'>;
  tool?: string;
}

export interface GuardOptions {
  /** The Budgetwatch server id of the MCP server the client talks to (inventory id). */
  server: string;
  feed: DecisionFeed;
  /** Default: an `isError: true` result that says which decision blocked the call and since when. */
  fallback?: FallbackFunction | FallbackTool;
  /** In-flight calls per tool while `concurrency_lowered` holds (default 1). */
  loweredConcurrency?: number;
  /** Calls waiting for a slot per tool; one more is rejected with GuardQueueFullError (default 64). */
  maxQueuedCalls?: number;
  /** One real call per interval goes through a rule freeze as a probe; absent: no probes. */
  probeIntervalMs?: number;
  /** The feed is stale after this long without bytes or records (default 15000: three keepalives). */
  staleAfterMs?: number;
  /** What a stale feed means: `open` calls the tool, `closed` routes to the fallback (default open). */
  whenStale?: 'open' | 'closed';
  /** Default: the global tracer provider's `@budgetwatch/mcp-guard` tracer. */
  tracer?: Tracer;
  now?: () => number;
}

export const GUARD_DEFAULTS = {
  loweredConcurrency: 1,
  maxQueuedCalls: 64,
  staleAfterMs: 15_000,
  whenStale: 'open',
} as const;

/** A call refused because the tool's lowered-concurrency queue was full. */
export class GuardQueueFullError extends Error {
  override readonly name = 'GuardQueueFullError';
  constructor(
    readonly server: string,
    readonly tool: string,
    readonly limit: number,
    readonly queued: number,
  ) {
    super(
      `budgetwatch guard: ${server}/${tool} is limited to ${limit} call(s) in flight and ${queued} are already waiting; the call was not sent`,
    );
  }
}

export type InvokeTool = (request: ToolCallParams, options?: RequestOptions) => Promise<ToolCallResult>;

export interface ToolGuard {
  call(
    request: ToolCallParams,
    options: RequestOptions | undefined,
    invoke: InvokeTool,
  ): Promise<ToolCallResult>;
  /** Calls in flight and waiting for the tool, as the guard counts them. */
  load(tool: string): { inFlight: number; queued: number };
  /** Tools the guard holds state for (calls in flight or waiting, or a probe clock). */
  readonly trackedTools: number;
  /** Stops following the feed (the feed itself is the caller's to close). */
  dispose(): void;
}

interface ToolState {
  inFlight: number;
  /** Each waiter is woken with a slot already taken on its behalf. */
  queue: Array<() => void>;
  lastProbeMs: number | undefined;
}

/**
 * Tracing stays off inside a fallback call: its own instrumentation must not count it again. The
 * SDK's suppression key (a registered symbol) reaches other instrumentations when a context
 * manager is installed; the guard's own flag works without one.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');
const inFallbackCall = new AsyncLocalStorage<boolean>();

export function createToolGuard(options: GuardOptions): ToolGuard {
  const now = options.now ?? Date.now;
  const policy: DecisionPolicy = {
    staleAfterMs: options.staleAfterMs ?? GUARD_DEFAULTS.staleAfterMs,
    whenStale: options.whenStale ?? GUARD_DEFAULTS.whenStale,
    probeIntervalMs: options.probeIntervalMs,
    loweredConcurrency: options.loweredConcurrency ?? GUARD_DEFAULTS.loweredConcurrency,
  };
  validatePolicy(policy, options);
  const maxQueued = options.maxQueuedCalls ?? GUARD_DEFAULTS.maxQueuedCalls;
  const tracer = () => options.tracer ?? trace.getTracer('@budgetwatch/mcp-guard');
  const tools = new Map<string, ToolState>();

  const stateOf = (tool: string): ToolState => {
    let state = tools.get(tool);
    if (state === undefined) {
      state = { inFlight: 0, queue: [], lastProbeMs: undefined };
      tools.set(tool, state);
    }
    return state;
  };
  const decide = (tool: string, state: ToolState, nowMs: number): GuardDecision =>
    decideCall({
      server: options.feed.subject(options.server, null),
      tool: options.feed.subject(options.server, tool),
      freshness: options.feed.freshness(),
      policy,
      lastProbeMs: state.lastProbeMs,
      nowMs,
    });
  // Wakes as many waiters as the tool's cap allows now; a blocked tool wakes all (to their fallback).
  const pump = (tool: string) => {
    const state = tools.get(tool);
    if (state === undefined || state.queue.length === 0) return;
    const decision = decide(tool, state, now());
    const limit =
      decision.action === 'fallback'
        ? Number.POSITIVE_INFINITY
        : (decision.concurrencyLimit ?? Number.POSITIVE_INFINITY);
    while (state.queue.length > 0 && state.inFlight < limit) {
      state.inFlight += 1;
      state.queue.shift()?.();
    }
  };
  // Tool names come from the agent: a tool's state is kept only while it holds something.
  const forgetIfIdle = (tool: string, state: ToolState) => {
    if (state.inFlight === 0 && state.queue.length === 0 && state.lastProbeMs === undefined)
      tools.delete(tool);
  };
  const release = (tool: string) => {
    const state = stateOf(tool);
    state.inFlight -= 1;
    pump(tool);
    forgetIfIdle(tool, state);
  };
  const unsubscribe = options.feed.onChange(() => {
    for (const tool of tools.keys()) pump(tool);
  });

  /** The call's one span; none inside another guard's fallback call, which it is part of. */
  const startCallSpan = (request: ToolCallParams): Span =>
    inFallbackCall.getStore()
      ? trace.wrapSpanContext(INVALID_SPAN_CONTEXT)
      : tracer().startSpan(toolCallSpanName(request.name), {
          kind: SpanKind.CLIENT,
          attributes: toolCallAttributes(options.server, request.name),
        });

  /** Runs `body` with the call's span active, and ends the span. */
  const inSpan = <T>(request: ToolCallParams, body: (span: Span) => Promise<T>): Promise<T> => {
    const span = startCallSpan(request);
    return context.with(trace.setSpan(context.active(), span), async () => {
      try {
        return await body(span);
      } catch (error) {
        markThrown(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  };

  const fallback = (request: ToolCallParams, block: Block, requestOptions: RequestOptions | undefined) =>
    inSpan(request, (span) => {
      markBlock(span, block);
      // The fallback's own calls are part of this one: no span of theirs may count it again.
      const quiet = context.active().setValue(SUPPRESS_TRACING, true);
      return inFallbackCall.run(true, () =>
        context.with(quiet, async () => runFallback(options, request, block, requestOptions)),
      );
    });

  const real = (
    request: ToolCallParams,
    requestOptions: RequestOptions | undefined,
    invoke: InvokeTool,
    probe: boolean,
  ) =>
    inSpan(request, async (span) => {
      if (probe) span.setAttribute('budgetwatch.guard.probe', true);
      const result = await invoke(request, requestOptions);
      if ('isError' in result && result.isError === true) markToolError(span);
      return result;
    });

  const queueFull = (request: ToolCallParams, state: ToolState, limit: number): never => {
    const span = startCallSpan(request);
    const error = new GuardQueueFullError(options.server, request.name, limit, state.queue.length);
    markBlocked(span, QUEUE_FULL_REASON, false);
    markThrown(span, error);
    span.end();
    throw error;
  };

  return {
    async call(request, requestOptions, invoke) {
      const state = stateOf(request.name);
      let holdsSlot = false;
      for (;;) {
        const nowMs = now();
        const decision = decide(request.name, state, nowMs);
        if (decision.action === 'fallback') {
          // The probe clock starts at the first blocked call of a freeze.
          if (decision.block.reason === 'frozen') state.lastProbeMs ??= nowMs;
          if (holdsSlot) release(request.name);
          else forgetIfIdle(request.name, state);
          return fallback(request, decision.block, requestOptions);
        }
        if (decision.action === 'call') state.lastProbeMs = undefined;
        const limit = decision.concurrencyLimit;
        if (!holdsSlot && limit !== null && state.inFlight >= limit) {
          if (state.queue.length >= maxQueued) queueFull(request, state, limit);
          await new Promise<void>((wake) => state.queue.push(wake));
          holdsSlot = true;
          continue;
        }
        if (!holdsSlot) state.inFlight += 1;
        if (decision.action === 'probe') state.lastProbeMs = nowMs;
        try {
          return await real(request, requestOptions, invoke, decision.action === 'probe');
        } finally {
          release(request.name);
        }
      }
    },
    load(tool) {
      const state = tools.get(tool);
      return { inFlight: state?.inFlight ?? 0, queued: state?.queue.length ?? 0 };
    },
    get trackedTools() {
      return tools.size;
    },
    dispose() {
      unsubscribe();
    },
  };
}

function runFallback(
  options: GuardOptions,
  request: ToolCallParams,
  block: Block,
  requestOptions: RequestOptions | undefined,
): Promise<ToolCallResult> | ToolCallResult {
  const configured = options.fallback;
  if (typeof configured === 'function') return configured(request, block);
  if (configured !== undefined) {
    return configured.client.callTool(
      { ...request, name: configured.tool ?? request.name },
      undefined,
      requestOptions,
    );
  }
  return {
    content: [{ type: 'text', text: blockedText(options.server, request.name, block) }],
    isError: true,
  };
}

/** The default fallback's text: which decision blocked the call, on what, since when, and by whom. */
export function blockedText(server: string, tool: string, block: Block): string {
  const target = `${displayText(server)}/${displayText(tool)}`;
  if (block.reason === 'feed_stale') {
    return `Budgetwatch guard: the call to ${target} was not sent: the decision feed is stale and the guard fails closed.`;
  }
  const what = block.reason === 'kill_switch' ? 'the kill switch is engaged' : 'calls are frozen';
  const on = block.subject === null ? '' : ` on ${displayText(block.subject, 256)}`;
  const by =
    block.actor === undefined
      ? ''
      : ` by ${displayText(block.actor)}${block.why === undefined ? '' : ` (${displayText(block.why, 256)})`}`;
  return `Budgetwatch guard: the call to ${target} was not sent: ${what}${on} since ${displayText(block.since ?? 'unknown')}${by}.`;
}

function validatePolicy(policy: DecisionPolicy, options: GuardOptions): void {
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`budgetwatch guard: ${name} must be a positive number, not ${value}`);
    }
  };
  if (options.server === '')
    throw new RangeError('budgetwatch guard: server must name the Budgetwatch server id');
  positive('staleAfterMs', policy.staleAfterMs);
  positive('probeIntervalMs', policy.probeIntervalMs);
  if (!Number.isInteger(policy.loweredConcurrency) || policy.loweredConcurrency < 1) {
    throw new RangeError(`budgetwatch guard: loweredConcurrency must be an integer of at least 1`);
  }
  if (
    options.maxQueuedCalls !== undefined &&
    !(Number.isInteger(options.maxQueuedCalls) && options.maxQueuedCalls >= 0)
  ) {
    throw new RangeError('budgetwatch guard: maxQueuedCalls must be an integer of at least 0');
  }
}
