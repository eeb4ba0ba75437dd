import { loadConfig } from '@budgetwatch/config';
import { DRILL_SCENARIOS, type DrillScenarioName, displayText } from '@budgetwatch/domain';
import {
  type DrillReport,
  DrillRunner,
  type KillSwitchControl,
  RedisDrillResults,
} from '@budgetwatch/drills';
import { createLogger } from '@budgetwatch/logger';
import { SseDecisionFeed } from '@budgetwatch/mcp-guard';
import { RedisNotifierStore } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { terminalJson } from '../terminal-text.js';
import { connectedKafka } from './connected-kafka.js';
import { defaultApiUrl, requestControl } from './operator-controls.js';
import { requireConnections } from './require-connections.js';

export interface DrillCommandOptions {
  server: string;
  timeoutMs: number;
  notify: boolean;
  /** Rehearse the kill switch through the API at `api` (or the configured http address). */
  killSwitch: boolean;
  api?: string;
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
  const api = options.api ?? defaultApiUrl(config.http.host, config.http.port);
  if (options.killSwitch && !URL.canParse(api)) {
    io.err.write(`budgetwatch: --api ${displayText(api)} is not a URL\n`);
    return ExitCode.usage;
  }
  const redis = createRedis(config.redis, 'budgetwatch-drill');
  // While a kill switch may be engaged, Ctrl-C and SIGTERM end the drill through its release.
  const interrupted = new AbortController();
  const interrupt = () => interrupted.abort();
  if (options.killSwitch) {
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
  }
  try {
    await connectRedis(redis);
    const spans = config.topics.spans[0] as string;
    if (!options.json) {
      io.out.write(
        `Drill ${scenario} on ${displayText(options.server)}: ${DRILL_SCENARIOS[scenario].description}\n`,
      );
    }
    const interactive = io.err.isTTY === true && !options.json;
    const progress = (status: string) => io.err.write(interactive ? `\r\u001b[2K${status}` : `${status}\n`);
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
      progress,
      ...(options.killSwitch
        ? {
            killSwitch: {
              control: killSwitchControl(api, config.http.apiToken),
              // The API takes the write token for reads too.
              openFeed: (server: string) =>
                new SseDecisionFeed({
                  apiUrl: api,
                  server,
                  ...tokenOption(config.http.readToken ?? config.http.apiToken),
                  onError: (error) => progress(`decision feed: ${displayText(error.message, 256)}`),
                }),
            },
            signal: interrupted.signal,
          }
        : {}),
    });
    const report = await runner.run(scenario, options.server);
    if (interactive) io.err.write('\r\u001b[2K');
    io.out.write(options.json ? `${terminalJson(report)}\n` : renderReport(report));
    return report.passed ? ExitCode.ok : ExitCode.failure;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    redis.disconnect();
  }
}

/** The kill switch as the drill sets it: the API's operator control, as `budgetwatch kill-switch` sends it. */
function killSwitchControl(api: string, token: string | undefined): KillSwitchControl {
  return {
    async set(engaged, request) {
      const answer = await requestControl(
        { method: 'POST', path: 'kill-switch', body: { ...request, engaged } },
        api,
        token,
      );
      if (answer.kind === 'published') return { published: true, eventId: answer.eventId };
      return {
        published: false,
        refusal: answer.message,
        // A 4xx is a refusal before anything was published; a 5xx or no answer may hide a publish.
        surelyNotPublished:
          answer.kind === 'bad-url' ||
          (answer.kind === 'refused' && answer.status >= 400 && answer.status < 500),
      };
    },
  };
}

function tokenOption(token: string | undefined): { token?: string } {
  return token === undefined ? {} : { token };
}

function renderReport(report: DrillReport): string {
  const lines = [
    `  drill series: ${displayText(report.server)} / ${displayText(report.tool)} (run ${report.runId}, labelled DRILL)`,
  ];
  for (const check of report.checks)
    lines.push(`  ${check.passed ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}`);
  lines.push(
    report.passed
      ? `PASS: recorded as the kill switch's test of ${displayText(report.server)} at ${report.recordedTestAt}${report.killSwitch?.verified === true ? ' (engaged, enforced and released)' : ''}`
      : 'FAIL: nothing recorded',
  );
  return `${lines.join('\n')}\n`;
}
