import { loadConfig } from '@budgetwatch/config';
import { DRILL_SCENARIOS, type DrillScenarioName, displayText } from '@budgetwatch/domain';
import { type DrillReport, DrillRunner, RedisDrillResults } from '@budgetwatch/drills';
import { createLogger } from '@budgetwatch/logger';
import { RedisNotifierStore } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { terminalJson } from '../terminal-text.js';
import { connectedKafka } from './connected-kafka.js';
import { requireConnections } from './require-connections.js';

export interface DrillCommandOptions {
  server: string;
  timeoutMs: number;
  notify: boolean;
  json: boolean;
}

/** Runs one drill against the configured pipeline; exit code 0 when it passes, 1 when it fails. */
export async function runDrill(
  scenario: DrillScenarioName,
  options: DrillCommandOptions,
  configFile: string | undefined,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream & { isTTY?: boolean } },
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'drill', ['kafka', 'redis']);
  const logger = createLogger({
    name: 'drill',
    level: config.log.level === 'info' ? 'warn' : config.log.level,
  });
  const redis = createRedis(config.redis, 'budgetwatch-drill');
  try {
    await connectRedis(redis);
    const spans = config.topics.spans[0] as string;
    if (!options.json) {
      io.out.write(
        `Drill ${scenario} on ${displayText(options.server)}: ${DRILL_SCENARIOS[scenario].description}\n`,
      );
    }
    const interactive = io.err.isTTY === true && !options.json;
    const runner = new DrillRunner({
      kafka: await connectedKafka(config.kafka, logger, [
        spans,
        config.topics.events,
        config.topics.deadLetter,
      ]),
      topics: { spans, events: config.topics.events, deadLetter: config.topics.deadLetter },
      notifications: new RedisNotifierStore(redis, config.redis.keyPrefix),
      results: new RedisDrillResults(redis, config.redis.keyPrefix),
      timeoutMs: options.timeoutMs,
      requireNotification: options.notify,
      progress: (status) => io.err.write(interactive ? `\r\u001b[2K${status}` : `${status}\n`),
    });
    const report = await runner.run(scenario, options.server);
    if (interactive) io.err.write('\r\u001b[2K');
    io.out.write(options.json ? `${terminalJson(report)}\n` : renderReport(report));
    return report.passed ? ExitCode.ok : ExitCode.failure;
  } finally {
    redis.disconnect();
  }
}

function renderReport(report: DrillReport): string {
  const lines = [
    `  drill series: ${displayText(report.server)} / ${displayText(report.tool)} (run ${report.runId}, labelled DRILL)`,
  ];
  for (const check of report.checks)
    lines.push(`  ${check.passed ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  lines.push(
    report.passed
      ? `PASS: recorded as the kill switch's test of ${displayText(report.server)} at ${report.recordedTestAt}`
      : 'FAIL: nothing recorded',
  );
  return `${lines.join('\n')}\n`;
}
