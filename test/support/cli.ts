import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { runProcess } from '@budgetwatch/testkit';

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

/** Runs one budgetwatch command to completion with only the given environment. */
export function budgetwatch(args: string[], env: Record<string, string> = {}) {
  return runProcess('node', [...NODE_ARGS, ...args], { env: cliEnvironment(env) });
}

/** Starts a long-running budgetwatch command (a service) with only the given environment. */
export function spawnBudgetwatch(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn('node', [...NODE_ARGS, ...args], {
    env: cliEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
