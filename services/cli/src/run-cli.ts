import { ConfigError } from '@budgetwatch/config';
import {
  DRILL_SCENARIOS,
  DRILL_SERIES_LIFETIME_MS,
  type DrillScenarioName,
  formatWindowDuration,
  isDrillScenario,
  parseWindowDuration,
} from '@budgetwatch/domain';
import { checkDrillTimeout } from '@budgetwatch/drills';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runApi } from './commands/api.js';
import { configCheck } from './commands/config-check.js';
import { showCoverage } from './commands/coverage.js';
import { showCrs } from './commands/crs.js';
import { runDrill } from './commands/drill.js';
import { runEvaluator } from './commands/evaluator.js';
import { explain } from './commands/explain.js';
import {
  DEFAULT_DECISIONS_TOPIC,
  fallbackOption,
  type GuardProxyCommandOptions,
  runGuardProxy,
  upstreamOption,
} from './commands/guard-proxy.js';
import { runIngestWorker } from './commands/ingest-worker.js';
import { inventoryCheck } from './commands/inventory-check.js';
import { runNotifier } from './commands/notifier.js';
import { addOperatorControlCommands } from './commands/operator-control-commands.js';
import { policyCheck } from './commands/policy-check.js';
import { replay } from './commands/replay.js';
import { serviceVersion } from './commands/service-version.js';
import { type CreateSilenceOptions, createSilence, expireSilence, listSilences } from './commands/silence.js';
import { STAGES } from './commands/stage-commands.js';
import { runStart } from './commands/start.js';
import { showStatus } from './commands/status.js';
import { createTopics } from './commands/topics-create.js';
import { showWindow, type WindowOptions } from './commands/window.js';
import { ExitCode } from './exit-codes.js';

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

function buildProgram(io: CliIo, setExit: (code: ExitCode) => void): Command {
  const program = new Command('budgetwatch')
    .description('Reliability budget monitor for MCP tool servers')
    .version(serviceVersion)
    .option('-c, --config <file>', 'YAML configuration file (default: $BUDGETWATCH_CONFIG)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
    })
    .showHelpAfterError('(run with --help for usage)');

  const configFile = () => program.opts<{ config?: string }>().config;

  program
    .command('start')
    .description(
      'run every stage in one process: on Kafka and Redis when KAFKA_BROKERS and REDIS_URL are set, else in memory',
    )
    .option('--demo', 'generate agent traffic for a few servers, one of which degrades', false)
    .action(async (options: { demo: boolean }) => setExit(await runStart(options, configFile(), io.out)));

  program
    .command('demo')
    .description('start --demo: every stage in one process, with demo traffic (alerts within a minute)')
    .action(async () => setExit(await runStart({ demo: true }, configFile(), io.out)));

  for (const stage of STAGES) {
    program
      .command(stage.name)
      .description(`run only the ${stage.name} stage: ${stage.summary}`)
      .action(async () =>
        setExit(
          stage.name === 'ingest-worker'
            ? await runIngestWorker(configFile())
            : stage.name === 'evaluator'
              ? await runEvaluator(configFile())
              : stage.name === 'notifier'
                ? await runNotifier(configFile())
                : await runApi(configFile()),
        ),
      );
  }

  program
    .command('replay')
    .description('feed an OTLP trace file (protobuf, JSON or JSON Lines) into the span topic')
    .argument('<file>', 'OTLP TracesData / ExportTraceServiceRequest file')
    .option('--topic <topic>', 'span topic (default: the first of topics.spans)')
    .option(
      '--max-spans-per-record <n>',
      'split JSON input into records of at most n spans',
      positiveInteger,
      1000,
    )
    .action(async (file: string, options: { topic?: string; maxSpansPerRecord: number }) =>
      setExit(await replay(file, options, configFile(), io.out)),
    );

  program
    .command('explain')
    .description(
      'how each span of an OTLP trace file would be counted under the configured recognition profiles, perspective and inventory',
    )
    .argument('<file>', 'OTLP protobuf, OTLP JSON, or JSON Lines as the Collector writes them')
    .option('--json', 'print JSON', false)
    .action((file: string, options: { json: boolean }) =>
      setExit(explain(file, options, configFile(), io.out)),
    );

  program
    .command('coverage')
    .description(
      'telemetry coverage of the last 24h per source and server: spans seen, calls counted by profile, spans not counted by reason, unattributed calls, calls without a status, look-alikes (attribute keys only)',
    )
    .option(
      '--url <url>',
      "the API to ask (default: Redis when configured, else this configuration's http.host and http.port)",
    )
    .option('--json', 'print JSON (what GET /api/v1/coverage returns)', false)
    .action(async (options: { json: boolean; url?: string }) =>
      setExit(await showCoverage(options, configFile(), io.out)),
    );

  program
    .command('window')
    .description('window aggregates of a server (rollup and each tool) or of one tool, from Redis')
    .requiredOption('--server <id>', 'server id')
    .option('--tool <name>', 'one tool instead of the whole server')
    .option('--window <length>', 'trailing window, 1s to 24h (e.g. 30m, 2h, 24h)', windowLength, 2 * 3600_000)
    .option('--drill', 'the drill series instead of production', false)
    .option('--json', 'print JSON', false)
    .action(async (options: WindowOptions) => setExit(await showWindow(options, configFile(), io.out)));

  program
    .command('inventory')
    .description('inventory commands')
    .command('check')
    .description('check the inventory against the rollout rules; exit code 1 on a blocking finding')
    .argument('[file]', 'the inventory file (default: inventory.file, $BUDGETWATCH_INVENTORY)')
    .option('--json', 'print JSON', false)
    .action(async (file: string | undefined, options: { json: boolean }) =>
      setExit(
        await inventoryCheck({ ...options, ...(file === undefined ? {} : { file }) }, configFile(), io.out),
      ),
    );

  program
    .command('topics')
    .description('Kafka topic commands')
    .command('create')
    .description(
      'create the span, events and dead-letter topics that do not exist yet, with topics.layout (partitions, replication, retention), and the compacted decisions topic',
    )
    .action(async () => setExit(await createTopics(configFile(), io.out)));

  program
    .command('policy')
    .description('policy commands')
    .command('check')
    .description('validate a rules file as the evaluator loads it and list its rules; exit code 2 if invalid')
    .argument(
      '[file]',
      'the policy file (default: evaluator.policyFile, $BUDGETWATCH_POLICY, else the shipped rules)',
    )
    .action((file: string | undefined) => setExit(policyCheck(file, configFile(), io.out)));

  program
    .command('drill')
    .description(
      `run a live incident drill through the pipeline and report pass/fail with time to detect and to notify (${Object.keys(DRILL_SCENARIOS).join(', ')})`,
    )
    .argument(
      '<scenario>',
      'credential-compromise, malformed-response, dependency-outage or latency',
      scenario,
    )
    .requiredOption('--server <id>', 'the server to drill (its drill series; production is never touched)')
    .option(
      '--timeout <length>',
      `how long to wait for events and notifications, at most ${formatWindowDuration(DRILL_SERIES_LIFETIME_MS)} (as long as the drill series are kept)`,
      drillTimeout,
      120_000,
    )
    .option('--no-notify', 'do not wait for notifications (no notifier running)')
    .option(
      '--kill-switch',
      "credential-compromise only: once the breach is detected, engage the server's real kill switch through the API, verify that a guard blocks calls, then release it",
      false,
    )
    .option(
      '--api <url>',
      'the API for --kill-switch (default: http.host and http.port of the configuration); token: $BUDGETWATCH_API_TOKEN',
    )
    .option('--json', 'print the report as JSON', false)
    .action(async (name: DrillScenarioName, options: DrillCommandLine, command: Command) => {
      if (options.killSwitch && !DRILL_SCENARIOS[name].answeredWithKillSwitch) {
        command.error(
          `error: --kill-switch rehearses the answer to a credential compromise: the ${name} drill does not engage it`,
        );
      }
      setExit(await runDrill(name, { ...options, timeoutMs: options.timeout }, configFile(), io));
    });

  program
    .command('status')
    .description(
      'every server seen or registered: tier, owner, CRS, firing rules; unregistered servers listed',
    )
    .option('--json', 'print JSON', false)
    .action(async (options: { json: boolean }) => setExit(await showStatus(options, configFile(), io.out)));

  program
    .command('crs')
    .description('Control-Plane Risk Score of every registered server from the live windows (docs/crs.md)')
    .option('--server <id>', 'one server, with every reason')
    .option('--json', 'print JSON breakdowns', false)
    .action(async (options: { server?: string; json: boolean }) =>
      setExit(await showCrs(options, configFile(), io)),
    );

  const silence = program
    .command('silence')
    .description('mute notifications of matching alerts for a while (resolutions still go out)');
  silence
    .command('create')
    .description('create a silence; at least one matcher')
    .option('--server <id>', 'match this server')
    .option('--tool <name>', 'match this tool')
    .option('--rule <id>', 'match this rule')
    .option('--tier <tier>', 'match servers of this tier (0, 1 or 2)', tier)
    .requiredOption('--duration <length>', 'how long, e.g. 30m, 2h', windowLength)
    .requiredOption('--author <name>', 'who silences')
    .requiredOption('--comment <text>', 'why')
    .option('--json', 'print the silence as JSON', false)
    .action(async (options: Omit<CreateSilenceOptions, 'durationMs'> & { duration: number }) =>
      setExit(await createSilence({ ...options, durationMs: options.duration }, configFile(), io)),
    );
  silence
    .command('list')
    .description('list active, pending and recently expired silences')
    .option('--json', 'print JSON', false)
    .action(async (options: { json: boolean }) => setExit(await listSilences(options, configFile(), io.out)));
  silence
    .command('expire')
    .description('end a silence now')
    .argument('<id>', 'silence id (from silence list)')
    .action(async (id: string) => setExit(await expireSilence(id, configFile(), io)));

  addOperatorControlCommands(program, { configFile, io, setExit });

  program
    .command('guard-proxy')
    .description(
      'an MCP Streamable HTTP proxy that enforces the decisions in force (freeze, kill switch, lowered concurrency) in front of upstream MCP servers, one span per call by OTLP',
    )
    .option(
      '--upstream <id=url>',
      'an upstream MCP server: its Budgetwatch server id and URL (repeatable)',
      upstreamOption,
    )
    .option(
      '--fallback <id=fallback-id>',
      "route blocked calls on an upstream to another upstream's tool of the same name (repeatable)",
      fallbackOption,
    )
    .option(
      '--api <url>',
      "follow the API's decision stream (read token: $BUDGETWATCH_API_READ_TOKEN); default: the compacted topic on the configured Kafka",
    )
    .option(
      '--decisions-topic <topic>',
      'the compacted decisions topic (without --api)',
      DEFAULT_DECISIONS_TOPIC,
    )
    .option(
      '--otlp-url <url>',
      "Budgetwatch's OTLP/HTTP traces intake, e.g. http://127.0.0.1:4318/v1/traces (token: $BUDGETWATCH_INTAKE_TOKEN)",
    )
    .option('--host <address>', 'the address to listen on', '127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: any free port)', port, 8788)
    .option('--max-sessions <n>', 'MCP sessions open at once', positiveInteger, 256)
    .option(
      '--stale-after <length>',
      'the decision feed is stale after this long without bytes',
      windowLength,
      15_000,
    )
    .option('--fail-closed', 'a stale feed blocks calls (default: calls go through)', false)
    .option(
      '--probe-interval <length>',
      'one probe call per interval through a rule freeze (default: none)',
      windowLength,
    )
    .option(
      '--lowered-concurrency <n>',
      'in-flight calls per tool while concurrency is lowered',
      positiveInteger,
      1,
    )
    .action(
      async (
        options: Omit<
          GuardProxyCommandOptions,
          'staleAfterMs' | 'probeIntervalMs' | 'upstream' | 'fallback'
        > & {
          upstream?: GuardProxyCommandOptions['upstream'];
          fallback?: GuardProxyCommandOptions['fallback'];
          staleAfter: number;
          probeInterval?: number;
        },
      ) =>
        setExit(
          await runGuardProxy(
            {
              ...options,
              upstream: options.upstream ?? [],
              fallback: options.fallback ?? [],
              staleAfterMs: options.staleAfter,
              ...(options.probeInterval === undefined ? {} : { probeIntervalMs: options.probeInterval }),
            },
            configFile(),
            io,
          ),
        ),
    );

  program
    .command('config')
    .description('configuration commands')
    .command('check')
    .description('validate the configuration and print the effective settings (secrets masked)')
    .action(() => setExit(configCheck(configFile(), io.out)));

  return program;
}

function windowLength(text: string): number {
  try {
    return parseWindowDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

interface DrillCommandLine {
  server: string;
  timeout: number;
  notify: boolean;
  killSwitch: boolean;
  api?: string;
  json: boolean;
}

function drillTimeout(text: string): number {
  const timeoutMs = windowLength(text);
  try {
    checkDrillTimeout(timeoutMs);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return timeoutMs;
}

function scenario(text: string): DrillScenarioName {
  if (!isDrillScenario(text)) {
    throw new InvalidArgumentError(`expected one of ${Object.keys(DRILL_SCENARIOS).join(', ')}`);
  }
  return text;
}

function tier(text: string): 0 | 1 | 2 {
  if (text !== '0' && text !== '1' && text !== '2') throw new InvalidArgumentError('expected 0, 1 or 2');
  return Number(text) as 0 | 1 | 2;
}

function port(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new InvalidArgumentError('expected a port, 0-65535');
  return value;
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a positive integer');
  return value;
}

/** Parses `argv` (without node and script), runs the command and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof ConfigError) {
      io.err.write(`budgetwatch: ${error.message}\n`);
      return ExitCode.usage;
    }
    io.err.write(`budgetwatch: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.failure;
  }
}
