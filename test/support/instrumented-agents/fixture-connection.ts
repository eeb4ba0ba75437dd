/**
 * How an agent process reaches the fixture MCP server: over stdio (the server is a child process
 * started by the transport) or over Streamable HTTP (the server is started here and announces its
 * port). FIXTURE_TRANSPORT, FIXTURE_API and FIXTURE_SHINZO_ENDPOINT are passed on to the server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { stopAgentTracing } from './agent-tracing.js';
import type { CallOutcome } from './call-mix.js';

const FIXTURE_SERVER_SCRIPT = new URL('./mcp-fixture-server.ts', import.meta.url).pathname;

/** The command that runs the fixture server: Node with tsx, as the tests run TypeScript. */
const FIXTURE_SERVER_COMMAND = {
  command: process.execPath,
  args: ['--import', 'tsx', FIXTURE_SERVER_SCRIPT],
};

/** The fixture's settings out of this process's environment, for its own. */
function fixtureEnvironment(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const key of ['FIXTURE_API', 'FIXTURE_SHINZO_ENDPOINT', 'FIXTURE_TOOL_PREFIX', 'HOME']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

function fixtureTransportKind(): 'stdio' | 'http' {
  return process.env.FIXTURE_TRANSPORT === 'http' ? 'http' : 'stdio';
}

/** Where the agent finds the fixture server: a command to run over stdio, or a URL. */
export type FixtureEndpoint =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string> }
  | { kind: 'http'; url: URL };

/**
 * The fixture server for this agent process, per FIXTURE_TRANSPORT: over HTTP it is started here
 * (and stopped by finishAgent), over stdio the agent's MCP client starts it.
 */
export async function fixtureEndpoint(): Promise<FixtureEndpoint> {
  if (fixtureTransportKind() === 'stdio') {
    return { kind: 'stdio', ...FIXTURE_SERVER_COMMAND, env: fixtureEnvironment() };
  }
  httpFixture = await startHttpFixture();
  return { kind: 'http', url: httpFixture.url };
}

let httpFixture: HttpFixture | undefined;

/** Ends an agent run: stops an HTTP fixture, flushes the spans, prints each call's outcome. */
export async function finishAgent(seen: readonly CallOutcome[]): Promise<void> {
  await httpFixture?.stop();
  await stopAgentTracing();
  process.stdout.write(`${JSON.stringify({ seen })}\n`);
}

/** A fixture server on Streamable HTTP, and how to stop it. */
interface HttpFixture {
  url: URL;
  stop(): Promise<void>;
}

async function startHttpFixture(): Promise<HttpFixture> {
  const child: ChildProcess = spawn(FIXTURE_SERVER_COMMAND.command, FIXTURE_SERVER_COMMAND.args, {
    env: { ...fixtureEnvironment(), FIXTURE_TRANSPORT: 'http' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const exited = once(child, 'exit');
  for await (const line of lines) {
    const port = (JSON.parse(line) as { listening?: number }).listening;
    if (port !== undefined) {
      return {
        url: new URL(`http://127.0.0.1:${port}/mcp`),
        async stop() {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
  }
  throw new Error(`the fixture server exited before listening (${child.exitCode})`);
}
