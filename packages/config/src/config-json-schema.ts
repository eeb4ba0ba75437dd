import { z } from 'zod';
import { budgetwatchConfigSchema } from './schema.js';

/**
 * The JSON Schema (2020-12) of the configuration file, made from the schema the loader validates
 * with, so editors can check a file as it is written. Conditions across fields (one of equals,
 * oneOf, present or pattern; profile names) are the loader's alone: `config check` reports them.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    $id: 'urn:budgetwatch:schema:config',
    title: 'Budgetwatch configuration',
    ...z.toJSONSchema(budgetwatchConfigSchema, {
      io: 'input',
      unrepresentable: 'any',
      target: 'draft-2020-12',
    }),
  };
}
