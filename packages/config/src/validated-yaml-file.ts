import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { closestFileSource, readYamlFile } from './yaml-file.js';
import { configIssuesFromZod } from './zod-issues.js';

/**
 * Reads a YAML file and validates it against `schema`; every problem is a ConfigError issue with
 * file, line, field and reason.
 */
export function readValidatedYamlFile<Schema extends z.ZodType>(
  path: string,
  expected: string,
  schema: Schema,
): z.output<Schema> {
  const file = readYamlFile(path, expected);
  const result = schema.safeParse(file.data, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.flatMap((issue) =>
      configIssuesFromZod(
        issue,
        (at) => closestFileSource(file, at.map(String)) ?? { kind: 'file', file: path },
      ),
    ),
  );
}
