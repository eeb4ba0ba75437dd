/** Where a configuration value came from, so an error can point the operator at the right place. */
export type ConfigSource =
  | { kind: 'file'; file: string; line?: number; column?: number }
  | { kind: 'env'; variable: string }
  | { kind: 'default' };

export interface ConfigIssue {
  source: ConfigSource;
  /** Dotted path of the field, e.g. `kafka.sasl.mechanism`; empty for whole-file problems. */
  path: string;
  reason: string;
}

export function describeSource(source: ConfigSource): string {
  switch (source.kind) {
    case 'file': {
      if (source.line === undefined) return source.file;
      return source.column === undefined
        ? `${source.file}:${source.line}`
        : `${source.file}:${source.line}:${source.column}`;
    }
    case 'env':
      return `environment variable ${source.variable}`;
    case 'default':
      return 'built-in default';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const field = issue.path === '' ? '' : ` ${issue.path}:`;
  return `${describeSource(issue.source)}${field} ${issue.reason}`;
}

/**
 * Raised for every configuration problem found at start-up. The message lists each problem on its
 * own line with its source (file and line, or environment variable), the field and the reason.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map(formatIssue);
    const message =
      lines.length === 1
        ? `invalid configuration: ${lines[0]}`
        : `invalid configuration (${lines.length} problems):\n  ${lines.join('\n  ')}`;
    super(message);
    this.issues = issues;
  }
}
