import { type BudgetwatchConfig, loadConfig } from '@budgetwatch/config';
import { type CoverageCounts, type CoverageReport, displayText } from '@budgetwatch/domain';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { RedisCoverageStore } from '@budgetwatch/window-store';
import { ExitCode } from '../exit-codes.js';
import { terminalJson } from '../terminal-text.js';
import { printLookAlikes } from './look-alike-text.js';

/**
 * `budgetwatch coverage`: how good the input telemetry is, per source and server, over the last
 * day (docs/contract.md#telemetry-coverage). With Redis configured it reads Redis, as the API
 * does; on embedded defaults the counts live in the running `start`, so it asks its API (`--url`,
 * else http.host and http.port). `--json` prints what GET /api/v1/coverage returns.
 */
export async function showCoverage(
  options: { json: boolean; url?: string },
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  const { config } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const report =
    config.redis === undefined || options.url !== undefined
      ? await fromApi(options.url ?? apiUrl(config), config.http.readToken ?? config.http.apiToken)
      : await fromRedis(config as BudgetwatchConfig & { redis: NonNullable<BudgetwatchConfig['redis']> });
  if (options.json) out.write(`${terminalJson(report)}\n`);
  else printCoverage(report, out);
  return ExitCode.ok;
}

async function fromRedis(
  config: BudgetwatchConfig & { redis: NonNullable<BudgetwatchConfig['redis']> },
): Promise<CoverageReport> {
  const redis = createRedis(config.redis, 'budgetwatch-coverage');
  try {
    await connectRedis(redis);
    return await new RedisCoverageStore(redis, config.redis.keyPrefix).read(Date.now());
  } finally {
    redis.disconnect();
  }
}

function apiUrl(config: BudgetwatchConfig): string {
  const host = ['0.0.0.0', '::', '[::]'].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.http.port}`;
}

/** The API of a running `start`, with the read token (or the write token, which reads too) when set. */
async function fromApi(base: string, token: string | undefined): Promise<CoverageReport> {
  const url = new URL('/api/v1/coverage', base);
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(10_000),
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  } catch (error) {
    throw new Error(
      `cannot reach ${url.origin} (is budgetwatch start running?): ${(error as Error).message}`,
    );
  }
  if (!response.ok) throw new Error(`GET ${url.href}: HTTP ${response.status}`);
  return (await response.json()) as CoverageReport;
}

function printCoverage(report: CoverageReport, out: NodeJS.WritableStream): void {
  out.write(`Telemetry coverage since ${report.since} (hourly, the current hour included)\n\n`);
  out.write(`all sources: ${describeCounts(report.totals)}\n`);
  if (report.sources.length > 0) out.write('\nper source (service.name):\n');
  for (const source of report.sources)
    out.write(`  ${displayText(source.source)}: ${describeCounts(source)}\n`);
  if (report.servers.length > 0) out.write('\nper server:\n');
  for (const server of report.servers) {
    out.write(
      `  ${displayText(server.server)}: ${server.calls} calls${byProfile(server.callsByProfile)}, ${server.withoutStatus} without a status, ${server.duplicates} duplicate spans\n`,
    );
  }
  if (report.unattributed.calls > 0) {
    out.write(`\ncalls without attribution (no server named): ${report.unattributed.calls}\n`);
    for (const tool of report.unattributed.tools) out.write(`  ${displayText(tool.tool)}: ${tool.calls}\n`);
  }
  printLookAlikes(report.looksLikeToolCalls, out);
  for (const limit of report.profileLimits) {
    out.write(`\n${limit.profile} (${limit.calls} calls) cannot report: ${limit.cannotReport.join('; ')}\n`);
  }
  const overflow = Object.entries(report.overflowCalls);
  if (overflow.length > 0) {
    out.write(
      `\ncardinality caps reached, calls counted in overflow series: ${overflow.map(([cap, calls]) => `${cap} ${calls}`).join(', ')}\n`,
    );
  }
  const { omitted } = report;
  if (omitted.sources + omitted.servers + omitted.tools > 0) {
    out.write(
      `\nnot shown: ${omitted.sources} sources, ${omitted.servers} servers, ${omitted.tools} tools (fewest spans or calls)\n`,
    );
  }
}

function describeCounts(counts: CoverageCounts): string {
  const notCounted = mostFirst(counts.notCounted).map(([reason, count]) => `${reason} ${count}`);
  return `${counts.spans} spans, ${counts.calls} calls counted${byProfile(counts.callsByProfile)}, ${counts.unattributed} unattributed, ${counts.withoutStatus} without a status; not counted: ${notCounted.length > 0 ? notCounted.join(', ') : 'none'}; ${counts.looksLikeToolCalls} look like tool calls`;
}

function byProfile(counts: Record<string, number>): string {
  const entries = mostFirst(counts).map(([profile, count]) => `${displayText(profile)} ${count}`);
  return entries.length > 0 ? ` (${entries.join(', ')})` : '';
}

function mostFirst(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}
