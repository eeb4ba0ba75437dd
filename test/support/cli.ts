import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '@budgetwatch/cli/run-cli';
import { ENV_BINDINGS } from '@budgetwatch/config';
import { runProcess } from '@budgetwatch/testkit';
import { vi } from 'vitest';

/** The CLI from source, as `npm run budgetwatch` runs it. */
const CLI = join(import.meta.dirname, '../../services/cli/src/main.ts');
const NODE_ARGS = ['--conditions=@budgetwatch/source', '--import', 'tsx', CLI];

function cliEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BUDGETWATCH_LOG_LEVEL: 'error',
    ...env,
  };
}

/** Runs one budgetwatch command to completion, as a process of its own with only the given environment. */
export function budgetwatch(args: string[], env: Record<string, string> = {}) {
  return runProcess('node', [...NODE_ARGS, ...args], { env: cliEnvironment(env) });
}

/** Every variable a command reads its configuration from. */
const CONFIG_VARIABLES = ['BUDGETWATCH_CONFIG', ...ENV_BINDINGS.map((binding) => binding.variable)];

/**
 * Runs one budgetwatch command in this process (runCli with captured output), with only the
 * given configuration variables set. For what does not depend on a process boundary: help, usage
 * and configuration errors, file checks. Exit codes and output are the process's.
 */
export async function budgetwatchInProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  for (const variable of CONFIG_VARIABLES) vi.stubEnv(variable, undefined);
  for (const [variable, value] of Object.entries(env)) vi.stubEnv(variable, value);
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  try {
    const code = await runCli(args, { out: stream, err: stream });
    return { code, output: Buffer.concat(chunks).toString('utf8') };
  } finally {
    vi.unstubAllEnvs();
  }
}

/** Starts a long-running budgetwatch command (a service) with only the given environment. */
export function spawnBudgetwatch(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn('node', [...NODE_ARGS, ...args], {
    env: cliEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
