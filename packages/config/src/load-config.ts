import { resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, type ConfigSource } from './config-error.js';
import { ENV_BINDINGS, type EnvironmentOverlay, readEnvironment, SECRET_FIELDS } from './environment.js';
import { type BudgetwatchConfig, budgetwatchConfigSchema } from './schema.js';
import { closestFileSource, fileSource, readYamlFile, type YamlFile } from './yaml-file.js';
import { configIssuesFromZod } from './zod-issues.js';

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

type ParsedFile = YamlFile;

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
  const file = readYamlFile(path, 'a mapping of settings');
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
  return configIssuesFromZod(
    issue,
    (path) => locate(path, file, overlay),
    (path) => {
      const binding = ENV_BINDINGS.find((b) => b.path.join('.') === path);
      return binding === undefined ? undefined : `or set ${binding.variable}`;
    },
  );
}

/** Blames the environment variable that set a value, else the file (at the closest line), else defaults. */
function locate(path: Path, file: ParsedFile | undefined, overlay: EnvironmentOverlay): ConfigSource {
  const keys = path.map(String);
  for (let length = keys.length; length > 0; length--) {
    const variable = overlay.origins.get(keys.slice(0, length).join('.'));
    if (variable !== undefined) return { kind: 'env', variable };
  }
  const inFile = file === undefined ? undefined : closestFileSource(file, keys);
  if (inFile !== undefined) return inFile;
  const parent = keys.slice(0, -1).join('.');
  for (const [field, variable] of overlay.origins) {
    if (parent !== '' && field.startsWith(`${parent}.`)) return { kind: 'env', variable };
  }
  return file === undefined ? { kind: 'default' } : { kind: 'file', file: file.path };
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
