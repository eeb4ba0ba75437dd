import { describe, expect, it } from 'vitest';
import { budgetwatchInProcess as budgetwatch } from '../support/cli.js';

/** Every command of the budgetwatch CLI, as typed; run in process (runCli), as they print and exit the same. */
const COMMANDS = [
  ['start'],
  ['demo'],
  ['ingest-worker'],
  ['evaluator'],
  ['notifier'],
  ['api'],
  ['replay'],
  ['explain'],
  ['coverage'],
  ['window'],
  ['silence', 'create'],
  ['silence', 'list'],
  ['silence', 'expire'],
  ['kill-switch', 'engage'],
  ['kill-switch', 'release'],
  ['freeze', 'set'],
  ['freeze', 'clear'],
  ['freeze', 'lift'],
  ['inventory', 'check'],
  ['policy', 'check'],
  ['topics', 'create'],
  ['crs'],
  ['status'],
  ['drill'],
  ['config', 'check'],
];

describe('budgetwatch --help', () => {
  it('has help for the program', async () => {
    const result = await budgetwatch(['--help']);
    expect(result.code).toBe(0);
    for (const [command] of COMMANDS) expect(result.output).toContain(command);
  });

  it.each(COMMANDS)('%s %s --help describes the command and exits 0', async (...command) => {
    const words = command.filter((word): word is string => typeof word === 'string');
    const result = await budgetwatch([...words, '--help']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`Usage: budgetwatch ${words.join(' ')}`);
  });

  it.each([
    [['crs'], 'the crs command needs Redis (set REDIS_URL)'],
    [['status'], 'the status command needs Redis (set REDIS_URL)'],
    [['drill', 'latency', '--server', 's'], 'the drill command needs Kafka and Redis'],
    [['silence', 'list'], 'the silence command needs Redis (set REDIS_URL)'],
    [['api'], 'the api command needs Redis (set REDIS_URL)'],
  ])('%j without its connections exits 2 and says what to set', async (args, message) => {
    const result = await budgetwatch(args);
    expect(result.code).toBe(2);
    expect(result.output).toContain(message);
  });

  it.each([
    [['start'], { REDIS_URL: 'redis://127.0.0.1:1' }, 'set KAFKA_BROKERS too, or unset both'],
    [['demo'], { KAFKA_BROKERS: '127.0.0.1:1' }, 'set REDIS_URL too, or unset both'],
  ])('%j with only one of Kafka and Redis exits 2 and says why', async (args, env, message) => {
    const result = await budgetwatch(args, env);
    expect(result.code).toBe(2);
    expect(result.output).toContain(message);
  });
});
