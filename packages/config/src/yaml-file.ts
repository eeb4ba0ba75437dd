import { readFileSync } from 'node:fs';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigSource } from './config-error.js';

/** A YAML file read for validation, with what it takes to point an error at a line. */
export interface YamlFile {
  path: string;
  document: Document.Parsed;
  lines: LineCounter;
  data: Record<string, unknown>;
}

/** Reads a YAML mapping; missing files, syntax errors and non-mappings are ConfigErrors. */
export function readYamlFile(path: string, expected: string): YamlFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`;
    throw new ConfigError([{ source: { kind: 'file', file: path }, path: '', reason }]);
  }
  return parseYaml(text, path, expected);
}

export function parseYaml(text: string, path: string, expected: string): YamlFile {
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
