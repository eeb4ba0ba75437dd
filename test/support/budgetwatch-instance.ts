import type { ChildProcess } from 'node:child_process';
import { freeLoopbackPort, WaitAbortedError, waitFor } from '@budgetwatch/testkit';
import { spawnBudgetwatch } from './cli.js';

/** A running `budgetwatch start` (or `api`) process and its HTTP addresses. */
export interface BudgetwatchInstance {
  process: ChildProcess;
  apiUrl: string;
  intakeUrl: string;
  /** host:port of the OTLP/gRPC intake. */
  grpcIntakeAddress: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  getJson<T>(path: string): Promise<T>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `budgetwatch <args>` on free ports (or those `env` names: a process started again on
 * the same ports) with only `env`, and waits until its API answers /healthz (or fails at once if
 * the process exits first).
 */
export async function startBudgetwatch(
  args: string[],
  env: Record<string, string>,
): Promise<BudgetwatchInstance> {
  const port = async (variable: string) => Number(env[variable] ?? (await freeLoopbackPort()));
  const apiPort = await port('BUDGETWATCH_HTTP_PORT');
  const intakePort = await port('BUDGETWATCH_OTLP_PORT');
  const grpcIntakePort = await port('BUDGETWATCH_OTLP_GRPC_PORT');
  const child = spawnBudgetwatch(args, {
    BUDGETWATCH_HTTP_PORT: String(apiPort),
    BUDGETWATCH_OTLP_PORT: String(intakePort),
    BUDGETWATCH_OTLP_GRPC_PORT: String(grpcIntakePort),
    BUDGETWATCH_LOG_LEVEL: 'info',
    ...env,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null)
        throw new WaitAbortedError(`budgetwatch exited ${child.exitCode}: ${output}`);
      return (await fetch(`${apiUrl}/healthz`)).ok;
    },
    { description: `budgetwatch ${args.join(' ')} to serve /healthz`, timeoutMs: 60_000, intervalMs: 200 },
  );
  return {
    process: child,
    apiUrl,
    intakeUrl: `http://127.0.0.1:${intakePort}/v1/traces`,
    grpcIntakeAddress: `127.0.0.1:${grpcIntakePort}`,
    output: () => output,
    async getJson<T>(path: string) {
      const response = await fetch(`${apiUrl}${path}`);
      if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
