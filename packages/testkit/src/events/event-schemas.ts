import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The JSON Schemas published in packages/events/schemas, by file name. */
export function eventSchemaFiles(): Map<string, unknown> {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@budgetwatch/events/package.json')), 'schemas');
  return new Map(
    readdirSync(dir)
      .filter((name) => name.endsWith('.schema.json'))
      .map((name) => [name, JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown]),
  );
}

export interface EventValidator {
  /** Schema errors of an event against the schema of its `type`; a type without a schema is an error. */
  errors(event: unknown): string[];
}

/** Validates events the way a policy engine would, with the checked-in schemas (JSON Schema 2020-12). */
export function createEventValidator(): EventValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  for (const schema of eventSchemaFiles().values()) ajv.addSchema(schema as object);
  const describe = (errors: ErrorObject[] | null | undefined) =>
    (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
  return {
    errors(event) {
      const type = (event as { type?: unknown }).type;
      if (typeof type !== 'string') return ['/type missing'];
      const validate = ajv.getSchema(`urn:budgetwatch:schema:${type}`);
      if (validate === undefined) return [`no schema for event type ${type}`];
      return validate(event) ? [] : describe(validate.errors);
    },
  };
}
