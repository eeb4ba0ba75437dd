import { loadConfig } from '@budgetwatch/config';
import { displayText, formatWindowDuration, type WindowSummary } from '@budgetwatch/domain';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { RedisWindowStore, WindowReader } from '@budgetwatch/window-store';
import { ExitCode } from '../exit-codes.js';
import { terminalJson } from '../terminal-text.js';
import { requireConnections } from './require-connections.js';

export interface WindowOptions {
  server: string;
  tool?: string;
  /** Trailing window length, ms. */
  window: number;
  drill: boolean;
  json: boolean;
}

/**
 * Prints the window aggregates of a server (rollup and each tool) or of one tool series. Names are
 * shown through `displayText`: tool names come from spans, and the server may be pasted from one.
 */
export async function showWindow(
  options: WindowOptions,
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  const windowMs = options.window;
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'window', ['redis']);
  const redis = createRedis(config.redis, 'budgetwatch-cli');
  try {
    await connectRedis(redis);
    const thresholds = config.ingest.latencyThresholdsMs;
    const reader = new WindowReader(
      new RedisWindowStore(redis, config.redis.keyPrefix, { thresholdsMs: thresholds }),
      thresholds,
    );
    const rows: { series: string; summary: WindowSummary }[] = [];
    let document: unknown;
    if (options.tool !== undefined) {
      const summary = await reader.series(
        { server: options.server, tool: options.tool, drill: options.drill },
        windowMs,
      );
      rows.push({ series: options.tool, summary });
      document = { server: options.server, tool: options.tool, drill: options.drill, ...summary };
    } else {
      const server = await reader.server(options.server, windowMs, { drill: options.drill });
      rows.push(
        { series: '(all tools)', summary: server.rollup },
        ...server.tools.map((t) => ({ series: t.tool, summary: t.summary })),
      );
      document = server;
    }
    if (options.json) {
      out.write(`${terminalJson(document, 2)}\n`);
    } else {
      out.write(
        `${options.drill ? 'drill ' : ''}server ${displayText(options.server)}, last ${formatWindowDuration(windowMs)}\n`,
      );
      out.write(renderSummaries(rows, thresholds));
    }
    return ExitCode.ok;
  } finally {
    redis.disconnect();
  }
}

function renderSummaries(
  rows: { series: string; summary: WindowSummary }[],
  thresholds: readonly number[],
): string {
  const percent = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(2)}%`);
  const millis = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)} ms`);
  const header = [
    'tool',
    'calls',
    'success',
    'unexp. blocks',
    'fallbacks',
    ...thresholds.map((t) => `> ${t} ms`),
    'p50',
    'p95',
    'p99',
  ];
  const lines = rows.map(({ series, summary }) => [
    displayText(series),
    String(summary.calls),
    percent(summary.successRate),
    percent(summary.unexpectedBlockRate),
    percent(summary.fallbackRate),
    ...thresholds.map((t) => percent(summary.slowFraction[String(t)] ?? null)),
    millis(summary.p50),
    millis(summary.p95),
    millis(summary.p99),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    `${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}\n`;
  return format(header) + lines.map(format).join('');
}
