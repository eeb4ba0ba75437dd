import type { RuleReading } from '@budgetwatch/api';
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
    const report = await redisOperatorView(config, redis, policy).view.status();
    if (options.json) {
      out.write(`${terminalJson(report)}\n`);
      return ExitCode.ok;
    }
    for (const status of report.servers) {
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
    if (report.unregistered.length > 0) {
      out.write('\nUnregistered servers (seen in spans, not in the inventory):\n');
      for (const status of report.unregistered)
        out.write(
          `  ${displayText(status.server)}  tools: ${status.tools.map((tool) => displayText(tool)).join(', ') || '(none)'}\n`,
        );
    }
    const overflowed = [
      ...report.servers
        .filter((status) => status.toolsOverflowed)
        .map((status) => displayText(status.server)),
      ...(report.overflow.servers ? ['unregistered servers beyond the cap'] : []),
    ];
    if (overflowed.length > 0) {
      out.write(
        `\nCardinality caps reached in 24h, calls counted in overflow series: ${overflowed.join(', ')}\n`,
      );
    }
    return ExitCode.ok;
  } finally {
    redis.disconnect();
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
