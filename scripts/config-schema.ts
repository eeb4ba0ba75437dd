/**
 * `npm run config-schema`: writes config/budgetwatch.schema.json from the configuration schema;
 * a unit test fails while the file is out of date.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '@budgetwatch/config';

const file = new URL('../config/budgetwatch.schema.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
// In the repository's format, so `npm run lint` passes on the file as written.
execFileSync('npx', ['biome', 'format', '--write', file.pathname], { stdio: 'ignore' });
console.log(`wrote ${file.pathname}`);
