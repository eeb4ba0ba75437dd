import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createToolGuard, type GuardOptions, type InvokeTool, type ToolGuard } from './tool-guard.js';

/** A guarded client: the client's own API, with `callTool` guarded, and the guard itself. */
export type GuardedClient<C> = C & { readonly guard: ToolGuard };

/**
 * Wraps an MCP SDK Client: every `callTool` goes through the guard; every other member is the
 * client's own (a Proxy, so the client's methods keep their `this`).
 */
export function guardClient<C extends Pick<Client, 'callTool'>>(
  client: C,
  options: GuardOptions,
): GuardedClient<C> {
  const guard = createToolGuard(options);
  // The caller's result schema goes to the client as given (a compatibility schema, say).
  const callTool: Client['callTool'] = (request, resultSchema, requestOptions) =>
    guard.call(request, requestOptions, (guardedRequest, options) =>
      client.callTool(guardedRequest, resultSchema, options),
    );
  return new Proxy(client, {
    get(target, property) {
      if (property === 'callTool') return callTool;
      if (property === 'guard') return guard;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as GuardedClient<C>;
}

/** A guarded `callTool` for code that calls tools through a function of its own. */
export function guardCallTool(
  callTool: InvokeTool,
  options: GuardOptions,
): InvokeTool & { readonly guard: ToolGuard } {
  const guard = createToolGuard(options);
  const guarded: InvokeTool = (request, requestOptions) => guard.call(request, requestOptions, callTool);
  return Object.assign(guarded, { guard });
}
