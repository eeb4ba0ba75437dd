/** Exit codes of every budgetwatch command (documented in the README). */
export const ExitCode = {
  ok: 0,
  /** A runtime failure: a dependency unreachable, a check that found blocking problems. */
  failure: 1,
  /** The command cannot run as asked: invalid configuration or command-line usage. */
  usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
