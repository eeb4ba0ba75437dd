import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown from a probe to stop waiting at once, e.g. when the process being waited on has died. */
export class WaitAbortedError extends Error {
  override readonly name = 'WaitAbortedError';
}

export interface WaitForOptions {
  /** What is being waited for, used in the timeout error. */
  description: string;
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false`, or throws after the timeout
 * with the description and the last error the probe raised. Tests wait on conditions, not on sleeps.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitForOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== undefined && result !== false) return result;
    } catch (error) {
      if (error instanceof WaitAbortedError) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.description}${detail}`, {
        cause: lastError,
      });
    }
    await sleep(interval);
  }
}
