import type { z } from 'zod';
import type { ConfigIssue, ConfigSource } from './config-error.js';

type Path = readonly PropertyKey[];

/**
 * One zod issue as configuration issues: where (`locate`), which field, and a reason an operator
 * can act on; `hint(path)` adds an alternative to "required" (e.g. an environment variable).
 */
export function configIssuesFromZod(
  issue: z.core.$ZodIssue,
  locate: (path: Path) => ConfigSource,
  hint: (dottedPath: string) => string | undefined = () => undefined,
): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return { source: locate(path), path: dotted(path), reason: 'unknown field' };
    });
  }
  return [{ source: locate(issue.path), path: dotted(issue.path), reason: reasonFor(issue, hint) }];
}

function reasonFor(issue: z.core.$ZodIssue, hint: (dottedPath: string) => string | undefined): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) {
        const alternative = hint(dotted(issue.path));
        return alternative === undefined ? 'required' : `required (${alternative})`;
      }
      return `expected ${article(issue.expected)}, got ${article(typeName(issue.input))}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

export function dotted(path: Path): string {
  return path.map(String).join('.');
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
