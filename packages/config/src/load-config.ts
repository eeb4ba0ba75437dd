import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, type ConfigSource } from './config-error.js';
import { ENV_BINDINGS, type EnvironmentOverlay, readEnvironment, SECRET_FIELDS } from './environment.js';
import { type BudgetwatchConfig, budgetwatchConfigSchema } from './schema.js';

export interface LoadConfigOptions {
  /** Path of the YAML file; falls back to BUDGETWATCH_CONFIG; without either, only env and defaults apply. */
  file?: string;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
}

export interface LoadedConfig {
  config: BudgetwatchConfig;
  /** Absolute path of the file that was read, if any. */
  file?: string;
}

interface ParsedFile {
  path: string;
  document: Document.Parsed;
  lines: LineCounter;
  data: Record<string, unknown>;
}

type Path = readonly PropertyKey[];

/** Reads, merges (environment over file over defaults) and validates the configuration. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const requested = options.file ?? env.BUDGETWATCH_CONFIG;
  const parsed = requested === undefined ? undefined : readConfigFile(resolve(options.cwd ?? '.', requested));
  const overlay = readEnvironment(env);
  const merged = deepMerge(parsed?.data ?? {}, overlay.values);

  const result = budgetwatchConfigSchema.safeParse(merged, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap((issue) => toConfigIssues(issue, parsed, overlay)));
  }
  return parsed === undefined ? { config: result.data } : { config: result.data, file: parsed.path };
}

function readConfigFile(path: string): ParsedFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`;
    throw new ConfigError([{ source: { kind: 'file', file: path }, path: '', reason }]);
  }

  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        const source: ConfigSource =
          position === undefined
            ? { kind: 'file', file: path }
            : { kind: 'file', file: path, line: position.line, column: position.col };
        const firstLine = error.message.split('\n')[0] ?? error.message;
        return { source, path: '', reason: `YAML syntax error: ${firstLine}` };
      }),
    );
  }

  const data: unknown = document.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data) || data === null) {
    throw new ConfigError([
      {
        source: { kind: 'file', file: path },
        path: '',
        reason: 'expected a mapping of settings at the top level',
      },
    ]);
  }

  const file: ParsedFile = { path, document, lines, data: data as Record<string, unknown> };
  rejectSecretsInFile(file);
  return file;
}

/** Secrets live in the environment only, so a config file can be committed and shared safely. */
function rejectSecretsInFile(file: ParsedFile): void {
  const issues: ConfigIssue[] = [];
  for (const [field, variable] of SECRET_FIELDS) {
    const path = field.split('.');
    if (file.document.hasIn(path)) {
      issues.push({
        source: fileSource(file, path),
        path: field,
        reason: `secrets are read from the environment only: remove it from the file and set ${variable}`,
      });
    }
  }
  const url = file.document.getIn(['redis', 'url']);
  if (typeof url === 'string' && /^rediss?:\/\/[^/@]*:[^/@]+@/.test(url)) {
    issues.push({
      source: fileSource(file, ['redis', 'url']),
      path: 'redis.url',
      reason: 'the URL holds a password: keep secrets in the environment (REDIS_URL or REDIS_PASSWORD)',
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

function toConfigIssues(
  issue: z.core.$ZodIssue,
  file: ParsedFile | undefined,
  overlay: EnvironmentOverlay,
): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return { source: locate(path, file, overlay), path: dotted(path), reason: 'unknown field' };
    });
  }
  return [{ source: locate(issue.path, file, overlay), path: dotted(issue.path), reason: reasonFor(issue) }];
}

function reasonFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) {
        const binding = ENV_BINDINGS.find((b) => b.path.join('.') === dotted(issue.path));
        return binding === undefined ? 'required' : `required (or set ${binding.variable})`;
      }
      return `expected ${article(issue.expected)}, got ${article(typeName(issue.input))}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Blames the environment variable that set a value, else the file (at the closest line), else defaults. */
function locate(path: Path, file: ParsedFile | undefined, overlay: EnvironmentOverlay): ConfigSource {
  const keys = path.map(String);
  for (let length = keys.length; length > 0; length--) {
    const variable = overlay.origins.get(keys.slice(0, length).join('.'));
    if (variable !== undefined) return { kind: 'env', variable };
  }
  if (file !== undefined) {
    for (let length = keys.length; length > 0; length--) {
      const prefix = keys.slice(0, length);
      if (file.document.hasIn(prefix)) return fileSource(file, prefix);
    }
  }
  const parent = keys.slice(0, -1).join('.');
  for (const [field, variable] of overlay.origins) {
    if (parent !== '' && field.startsWith(`${parent}.`)) return { kind: 'env', variable };
  }
  return file === undefined ? { kind: 'default' } : { kind: 'file', file: file.path };
}

function fileSource(file: ParsedFile, path: readonly string[]): ConfigSource {
  const node = file.document.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const offset = node?.range?.[0];
  if (offset === undefined) return { kind: 'file', file: file.path };
  const position = file.lines.linePos(offset);
  return { kind: 'file', file: file.path, line: position.line, column: position.col };
}

function dotted(path: Path): string {
  return path.map(String).join('.');
}

function deepMerge(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : (value as unknown);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
