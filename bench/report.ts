import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One row of a bench table: a measured figure, and what it is compared with in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** e.g. "ceiling", "62% of decode only" */
  comparison?: string;
  target?: string;
  /** undefined: informational row */
  met?: boolean;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatNumber(value: number): string {
  return Math.abs(value) >= 100 ? integer.format(value) : decimal.format(value);
}

/** A fixed-width text table, readable in a terminal and in a CI log. */
export function renderTable(title: string, rows: readonly BenchRow[]): string {
  const header = ['measurement', 'value', 'unit', 'compared with', 'target', 'result'];
  const cells = rows.map((row) => [
    row.name,
    formatNumber(row.value),
    row.unit,
    row.comparison ?? '',
    row.target ?? '',
    row.met === undefined ? '' : row.met ? 'met' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: string[]) =>
    `| ${values.map((v, i) => (i === 1 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [title, line(header), rule, ...cells.map(line)].join('\n');
}

/**
 * Flat name -> number JSON, for dashboards and for comparing runs; a series over time is a list of
 * numbers, kept on one line so the file stays readable.
 */
export function writeFigures(
  file: string,
  figures: Readonly<Record<string, number | readonly number[]>>,
): void {
  mkdirSync(dirname(file), { recursive: true });
  const lines = Object.entries(figures).map(
    ([name, value]) =>
      `  ${JSON.stringify(name)}: ${Array.isArray(value) ? `[${value.join(', ')}]` : JSON.stringify(value)}`,
  );
  writeFileSync(file, `{\n${lines.join(',\n')}\n}\n`);
}
