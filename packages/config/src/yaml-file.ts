import { closeSync, openSync, readSync } from 'node:fs';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigSource } from './config-error.js';

/**
 * The largest configuration, policy or inventory file read: far above any real one (an inventory of
 * 5,000 servers is about 3 MiB), and small enough that a wrong path (`/dev/zero`, a log file) is
 * refused at once instead of filling memory.
 */
export const MAX_YAML_FILE_BYTES = 8 * 1024 * 1024;
/**
 * How far aliases may expand (the yaml library's measure: uses of an anchor times the aliases
 * inside it). A shared owner block used by thousands of servers fits; a "billion laughs" file,
 * whose aliases multiply level by level, is refused within a few levels.
 */
const MAX_ALIAS_COUNT = 10_000;

/** A YAML file read for validation, with what it takes to point an error at a line. */
export interface YamlFile {
  path: string;
  document: Document.Parsed;
  lines: LineCounter;
  data: Record<string, unknown>;
}

/** Reads a YAML mapping; missing files, syntax errors and non-mappings are ConfigErrors. */
export function readYamlFile(path: string, expected: string): YamlFile {
  return parseYaml(readBoundedText(path), path, expected);
}

/** The file's text, read in chunks up to the limit, so a device or a huge file is refused early. */
function readBoundedText(path: string): string {
  const fail = (reason: string) =>
    new ConfigError([{ source: { kind: 'file', file: path }, path: '', reason }]);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`);
  }
  try {
    const buffer = Buffer.alloc(MAX_YAML_FILE_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_YAML_FILE_BYTES) {
      throw fail(`larger than ${MAX_YAML_FILE_BYTES / 1024 / 1024} MiB: not a Budgetwatch file`);
    }
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(`cannot read file (${code ?? String(error)})`);
  } finally {
    closeSync(fd);
  }
}

export function parseYaml(text: string, path: string, expected: string): YamlFile {
  const lines = new LineCounter();
  let document: Document.Parsed;
  let data: unknown;
  try {
    document = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    data = document.errors.length > 0 ? undefined : (document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {});
  } catch (error) {
    // The parser's own limits: aliases expanding without bound, nesting deeper than the stack.
    const reason =
      error instanceof RangeError
        ? 'nested too deeply to read'
        : `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    throw new ConfigError([{ source: { kind: 'file', file: path }, path: '', reason }]);
  }
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
  if (typeof data !== 'object' || Array.isArray(data) || data === null) {
    throw new ConfigError([
      { source: { kind: 'file', file: path }, path: '', reason: `expected ${expected} at the top level` },
    ]);
  }
  return { path, document, lines, data: data as Record<string, unknown> };
}

/** The file position of the node at `path`. */
export function fileSource(file: YamlFile, path: readonly (string | number)[]): ConfigSource {
  const node = file.document.getIn(path, true) as { range?: [number, number, number] } | undefined;
  const offset = node?.range?.[0];
  if (offset === undefined) return { kind: 'file', file: file.path };
  const position = file.lines.linePos(offset);
  return { kind: 'file', file: file.path, line: position.line, column: position.col };
}

/** The position of the deepest node of `path` present in the file; undefined if none is. */
export function closestFileSource(file: YamlFile, path: readonly string[]): ConfigSource | undefined {
  for (let length = path.length; length > 0; length--) {
    const prefix = path.slice(0, length).map((key) => (/^\d+$/.test(key) ? Number(key) : key));
    if (file.document.hasIn(prefix)) return fileSource(file, prefix);
  }
  return undefined;
}
