import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_BINDINGS } from './environment.js';
import { loadConfig } from './load-config.js';

/** Variables the README documents that are not configuration fields. */
const NOT_FIELDS = new Set(['BUDGETWATCH_CONFIG', 'OTEL_EXPORTER_OTLP_ENDPOINT']);

interface DocumentedVariable {
  variable: string;
  field: string;
  /** The default column: a code literal (`8080`), or words (none, off, ...) for "not set". */
  defaultText: string;
}

/** The rows of the README's configuration table, one entry per variable. */
function documentedVariables(): DocumentedVariable[] {
  const readme = readFileSync(join(import.meta.dirname, '../../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'));
  const rows = table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  const entries: DocumentedVariable[] = [];
  for (const [, variables = '', fields = '', defaultText = ''] of rows) {
    if (!/^`[A-Z][A-Z0-9_]+`/.test(variables)) break;
    const names = [...variables.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] ?? '');
    const codes = [...fields.matchAll(/`([a-z.][A-Za-z.]*)`/g)].map((match) => match[1] ?? '');
    const first = codes[0] ?? '';
    const parent = first.slice(0, first.lastIndexOf('.'));
    names.forEach((variable, i) => {
      const code = codes[i] ?? '';
      entries.push({ variable, field: code.startsWith('.') ? `${parent}${code}` : code, defaultText });
    });
  }
  return entries;
}

function valueAt(config: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

describe("the README's configuration table", () => {
  const documented = documentedVariables();

  it('lists every environment binding, and nothing else but the config file and OTLP export', () => {
    expect(documented.length).toBeGreaterThan(40);
    const fromReadme = documented.map((entry) => entry.variable).filter((name) => !NOT_FIELDS.has(name));
    expect([...fromReadme].sort()).toEqual(ENV_BINDINGS.map((binding) => binding.variable).sort());
  });

  it('names the field each variable sets', () => {
    for (const binding of ENV_BINDINGS) {
      const entry = documented.find((candidate) => candidate.variable === binding.variable);
      expect(entry?.field, binding.variable).toBe(binding.path.join('.'));
    }
  });

  it('gives the defaults the code applies', () => {
    // Kafka and Redis settings exist only once their connection is configured.
    const { config } = loadConfig({ env: { KAFKA_BROKERS: 'kafka:9092', REDIS_URL: 'redis://redis:6379' } });
    for (const binding of ENV_BINDINGS) {
      if (binding.variable === 'KAFKA_BROKERS' || binding.variable === 'REDIS_URL') continue;
      const entry = documented.find((candidate) => candidate.variable === binding.variable);
      const literal = /^`([^`]*)`/.exec(entry?.defaultText ?? '')?.[1];
      const actual = valueAt(config, binding.path.join('.'));
      if (literal === undefined) {
        // "none", "off", "no Slack", an empty cell: the code sets nothing (or false).
        expect([undefined, false], `${binding.variable} (README: ${entry?.defaultText})`).toContain(actual);
      } else {
        const shown = Array.isArray(actual) ? actual.join(',') : String(actual);
        expect(shown, binding.variable).toBe(literal);
      }
    }
  });
});
