import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '@budgetwatch/config';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const published = JSON.parse(readFileSync(join(ROOT, 'config/budgetwatch.schema.json'), 'utf8')) as object;

describe('config/budgetwatch.schema.json', () => {
  it('is the schema the loader validates with (npm run config-schema writes it)', () => {
    expect(published).toEqual(configJsonSchema());
  });

  it('accepts the example configuration and refuses a profile without a perspective', () => {
    const validate = new Ajv2020({ strict: false }).compile(published);
    const example = parse(readFileSync(join(ROOT, 'config/budgetwatch.example.yaml'), 'utf8')) as {
      recognition: { profiles: Record<string, unknown>[] };
    };
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    const [profile] = example.recognition.profiles;
    delete profile?.perspective;
    expect(validate(example)).toBe(false);
    expect(validate.errors?.[0]).toMatchObject({ params: { missingProperty: 'perspective' } });
  });
});
