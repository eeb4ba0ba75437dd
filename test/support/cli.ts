import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '@budgetwatch/cli/run-cli';
import { ENV_BINDINGS } from '@budgetwatch/config';
import { type ProcessResult, runProcess } from '@budgetwatch/testkit';

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
 * Runs one budgetwatch command in this process, through the same `runCli` as the executable, with
 * stdout and stderr captured together and only `env` for every variable the configuration reads
 * (as `budgetwatch()` gives the child process only `env`). For commands whose output and exit code
 * are all a test checks: a command that must be a process of its own (a service, a signal, a
 * crash) is spawned. One at a time: the variables are set in this process while it runs.
 */
export async function budgetwatchInProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<ProcessResult> {
  const chunks: Buffer[] = [];
  const capture = new PassThrough();
  capture.on('data', (chunk: Buffer) => chunks.push(chunk));
  const environment: Record<string, string> = { BUDGETWATCH_LOG_LEVEL: 'error', ...env };
  const saved = new Map(CONFIG_VARIABLES.map((variable) => [variable, process.env[variable]]));
  const set = (variable: string, value: string | undefined) => {
    if (value === undefined) delete process.env[variable];
    else process.env[variable] = value;
  };
  for (const variable of CONFIG_VARIABLES) set(variable, environment[variable]);
  try {
    const code = await runCli(args, { out: capture, err: capture });
    return { code, output: Buffer.concat(chunks).toString('utf8') };
  } finally {
    for (const [variable, value] of saved) set(variable, value);
  }
}

/** Starts a long-running budgetwatch command (a service) with only the given environment. */
export function spawnBudgetwatch(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn('node', [...NODE_ARGS, ...args], {
    env: cliEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
