import { Writable } from 'node:stream';
import { ENV_BINDINGS } from '@budgetwatch/config';
import type { ProcessResult } from '@budgetwatch/testkit';
import { runCli } from '../../services/cli/src/run-cli.js';

/** Every variable the configuration reads. */
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
  const chunks: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const environment: Record<string, string> = { BUDGETWATCH_LOG_LEVEL: 'error', ...env };
  const saved = new Map(CONFIG_VARIABLES.map((variable) => [variable, process.env[variable]]));
  const set = (variable: string, value: string | undefined) => {
    if (value === undefined) delete process.env[variable];
    else process.env[variable] = value;
  };
  for (const variable of CONFIG_VARIABLES) set(variable, environment[variable]);
  try {
    const code = await runCli(args, { out: capture, err: capture });
    return { code, output: chunks.join('') };
  } finally {
    for (const [variable, value] of saved) set(variable, value);
  }
}
