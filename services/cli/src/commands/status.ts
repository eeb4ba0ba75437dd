import { type OperatorView, type RuleReading, STATUS_PAGE, type StatusPage } from '@budgetwatch/api';
import { loadConfig, loadPolicy } from '@budgetwatch/config';
import { displayText } from '@budgetwatch/domain';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { redisOperatorView } from '../stages/redis-operator-view.js';
import { terminalJson } from '../terminal-text.js';
import { requireConnections } from './require-connections.js';

/**
 * Every server registered or seen in the last 24h: tier, owner, CRS, firing rules with their
 * values; unregistered ones listed apart. `--json` prints what GET /api/v1/status returns.
 * Server and tool names come from spans: they are shown through `displayText` (one line each,
 * terminal controls and invisible characters shown as escapes).
 */
export async function showStatus(
  options: { json: boolean },
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'status', ['redis']);
  const { policy } = loadPolicy({
    ...(config.evaluator.policyFile === undefined ? {} : { file: config.evaluator.policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const redis = createRedis(config.redis, 'budgetwatch-status');
  try {
    await connectRedis(redis);
    const pages = statusPages(redisOperatorView(config, redis, policy));
    if (options.json) await writeJson(pages, out);
    else await writeText(pages, out);
    return ExitCode.ok;
  } finally {
    redis.disconnect();
  }
}

/** The report page by page, to the end: a report of thousands of servers is never held whole. */
async function* statusPages(view: OperatorView): AsyncGenerator<StatusPage> {
  let cursor: string | null = null;
  do {
    const page: StatusPage = await view.status({ cursor, limit: STATUS_PAGE.maxLimit });
    yield page;
    cursor = page.next;
  } while (cursor !== null);
}

/** What GET /api/v1/status returns for the whole report, written as the pages come. */
async function writeJson(pages: AsyncIterable<StatusPage>, out: NodeJS.WritableStream): Promise<void> {
  // Registered servers come first: the servers list is closed at the first unregistered one.
  let opened: 'servers' | 'unregistered' | undefined;
  let empty = true;
  for await (const page of pages) {
    if (opened === undefined) {
      out.write(`{"generatedAt":${JSON.stringify(page.generatedAt)},"servers":[`);
      opened = 'servers';
    }
    for (const status of page.servers) {
      out.write(`${empty ? '' : ','}${terminalJson(status)}`);
      empty = false;
    }
    for (const status of page.unregistered) {
      if (opened === 'servers') {
        out.write('],"unregistered":[');
        opened = 'unregistered';
        empty = true;
      }
      out.write(`${empty ? '' : ','}${terminalJson(status)}`);
      empty = false;
    }
  }
  out.write(opened === 'unregistered' ? ']}\n' : '],"unregistered":[]}\n');
}

async function writeText(pages: AsyncIterable<StatusPage>, out: NodeJS.WritableStream): Promise<void> {
  let unregisteredHeading = false;
  for await (const page of pages) {
    for (const status of page.servers) {
      const crs =
        status.crs === null ? '' : `CRS ${status.crs.score.toFixed(1)}${status.crs.gated ? ' HALTED' : ''}`;
      out.write(
        `${displayText(status.server)}  tier ${status.tier}  owner ${displayText(status.owner ?? '(none)')}  ${crs}\n`,
      );
      const firing = status.rules.filter((reading) => reading.state === 'firing');
      out.write(
        firing.length === 0
          ? '  no rule firing\n'
          : firing.map((reading) => `  FIRING ${describe(reading)}\n`).join(''),
      );
    }
    for (const status of page.unregistered) {
      if (!unregisteredHeading) out.write('\nUnregistered servers (seen in spans, not in the inventory):\n');
      unregisteredHeading = true;
      out.write(
        `  ${displayText(status.server)}  tools: ${status.tools.map((tool) => displayText(tool)).join(', ') || '(none)'}\n`,
      );
    }
  }
}

function describe(reading: RuleReading): string {
  return `${displayText(reading.rule)} on ${reading.tool === null ? 'the server' : displayText(reading.tool)}: ${formatValue(reading)} (${reading.comparator} ${reading.threshold})`;
}

function formatValue(reading: RuleReading): string {
  if (reading.value === null) return 'no value';
  switch (reading.unit) {
    case 'ms':
      return `${Math.round(reading.value)} ms`;
    case 'burn_rate':
      return `burning ${reading.value.toFixed(1)}x`;
    case 'ratio':
      return `${(reading.value * 100).toFixed(2)}%`;
  }
}
