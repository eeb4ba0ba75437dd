import { formatWindowDuration, parseWindowDuration } from '@budgetwatch/domain';
import { MAX_LIFT_MS, MIN_LIFT_MS } from '@budgetwatch/events';
import { type Command, InvalidArgumentError } from 'commander';
import type { ExitCode } from '../exit-codes.js';
import {
  type ControlCommandOptions,
  type ControlRequest,
  parseSubject,
  sendControl,
} from './operator-controls.js';

interface CommandContext {
  configFile: () => string | undefined;
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream };
  setExit: (code: ExitCode) => void;
}

/** `budgetwatch kill-switch engage|release` and `budgetwatch freeze set|clear|lift`, through the API. */
export function addOperatorControlCommands(program: Command, context: CommandContext): void {
  const send = async (control: ControlRequest, options: ControlCommandOptions) =>
    context.setExit(await sendControl(control, options, context.configFile(), context.io));

  const killSwitch = program
    .command('kill-switch')
    .description(
      'block every call to a server (guards and policy engines enforce it) or release it, through the API',
    );
  for (const [name, engaged] of [
    ['engage', true],
    ['release', false],
  ] as const) {
    withControlOptions(
      killSwitch
        .command(name)
        .description(`${engaged ? 'engage' : 'release'} the kill switch of a server listed in the inventory`)
        .argument('<server>', 'the server id'),
    ).action((server: string, options: ControlCommandOptions) =>
      send(
        {
          method: 'POST',
          path: 'kill-switch',
          body: { server, engaged },
          done: `kill switch ${engaged ? 'engaged' : 'released'} on ${server}`,
        },
        options,
      ),
    );
  }

  const freeze = program
    .command('freeze')
    .description(
      "freeze a server or a tool by hand, clear that freeze, or lift the rules' freezes, through the API",
    );
  const subjectArgument = ['<subject>', 'SERVER or SERVER/TOOL (the first / ends the server id)'] as const;
  withControlOptions(
    freeze
      .command('set')
      .description('freeze by hand until cleared')
      .argument(...subjectArgument),
  ).action((subject: string, options: ControlCommandOptions) =>
    send({ method: 'POST', path: 'freeze', body: subjectBody(subject), done: `frozen: ${subject}` }, options),
  );
  withControlOptions(
    freeze
      .command('clear')
      .description('clear a manual freeze (rule freezes stay)')
      .argument(...subjectArgument),
  ).action((subject: string, options: ControlCommandOptions) =>
    send(
      {
        method: 'DELETE',
        path: 'freeze',
        body: subjectBody(subject),
        done: `manual freeze cleared: ${subject}`,
      },
      options,
    ),
  );
  withControlOptions(
    freeze
      .command('lift')
      .description('lift the rule freezes in force: for a time, or until a lifted rule fires again')
      .argument(...subjectArgument)
      .option(
        '--for <length>',
        `how long, e.g. 30m, 1h (${formatWindowDuration(MIN_LIFT_MS)} to ${formatWindowDuration(MAX_LIFT_MS)}); default: until a lifted rule fires again`,
        liftLength,
      ),
  ).action((subject: string, options: ControlCommandOptions & { for?: number }) =>
    send(
      {
        method: 'POST',
        path: 'lift',
        body: { ...subjectBody(subject), ...(options.for === undefined ? {} : { durationMs: options.for }) },
        done: `freeze lifted ${options.for === undefined ? 'until a rule fires again' : `for ${formatWindowDuration(options.for)}`}: ${subject}`,
      },
      options,
    ),
  );
}

function withControlOptions(command: Command): Command {
  return command
    .requiredOption('--reason <text>', 'why (kept in the event: the audit trail)')
    .option('--actor <name>', 'who acts (default: the OS user)')
    .option(
      '--api <url>',
      'the API (default: http.host and http.port of the configuration); token: $BUDGETWATCH_API_TOKEN',
    )
    .option('--json', "print the API's answer (the event) as JSON", false);
}

function subjectBody(text: string): { server: string; tool?: string } {
  const { server, tool } = parseSubject(text);
  return tool === null ? { server } : { server, tool };
}

function liftLength(text: string): number {
  let lengthMs: number;
  try {
    lengthMs = parseWindowDuration(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  if (lengthMs < MIN_LIFT_MS || lengthMs > MAX_LIFT_MS) {
    throw new InvalidArgumentError(
      `expected ${formatWindowDuration(MIN_LIFT_MS)} to ${formatWindowDuration(MAX_LIFT_MS)}`,
    );
  }
  return lengthMs;
}
