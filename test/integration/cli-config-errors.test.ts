import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetwatch, budgetwatchInProcess as runBudgetwatch } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases = [
  {
    name: 'bad YAML',
    yaml: 'kafka:\n  brokers: [a:1\n  clientId: x\n',
    field: '',
    expected: 'YAML syntax error',
  },
  {
    name: 'missing required field',
    yaml: 'kafka:\n  clientId: x\n',
    field: 'kafka.brokers',
    expected: 'required',
  },
  {
    name: 'wrong type',
    yaml: 'http:\n  port: eighty\n',
    field: 'http.port',
    expected: 'expected a number, got a string',
  },
];

describe('budgetwatch with an invalid configuration', () => {
  it.each(cases)(
    '$name: one clear message naming file and field, exit code 2',
    async ({ name, yaml, field, expected }) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, yaml);
      const result = await runBudgetwatch(['--config', file, 'config', 'check']);
      expect(result.code).toBe(2);
      const lines = result.output.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^budgetwatch: invalid configuration: /);
      expect(lines[0]).toContain(file);
      expect(lines[0]).toContain(field);
      expect(lines[0]).toContain(expected);
    },
  );

  it('names the environment variable when the bad value comes from the environment', async () => {
    const result = await runBudgetwatch(['start'], { BUDGETWATCH_HTTP_PORT: 'eighty' });
    expect(result.code).toBe(2);
    expect(result.output).toContain('environment variable BUDGETWATCH_HTTP_PORT http.port:');
  });

  it('checks the policy file too: a bad rule is one line with file, line and field, exit code 2', async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'rules:\n  - id: r\n    metric: success_rate\n    window: 2h\n    comparator: "<"\n    threshold: 97\n',
    );
    const result = await runBudgetwatch(['config', 'check'], { BUDGETWATCH_POLICY: policy });
    expect(result.code).toBe(2);
    expect(result.output.trim()).toBe(
      `budgetwatch: invalid configuration: ${policy}:6:16 rules.0.threshold: a rate is between 0 and 1 (0.97 for 97%)`,
    );
    const example = await runBudgetwatch(['config', 'check'], {
      BUDGETWATCH_POLICY: join(import.meta.dirname, '../../config/policy.example.yaml'),
    });
    expect(example.code).toBe(0);
    expect(example.output).toContain('policy OK');
    expect(example.output).toContain(
      'success-rate, latency-p95, unexpected-policy-blocks, fallback-activation',
    );
  });

  it('accepts a valid file and prints the effective settings with secrets masked', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      'kafka:\n  brokers: ["127.0.0.1:9092"]\n  sasl:\n    mechanism: plain\n    username: bw\n',
    );
    const result = await runBudgetwatch(['--config', file, 'config', 'check'], {
      KAFKA_SASL_PASSWORD: 'hunter2',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(result.code).toBe(0);
    expect(result.output).toContain(`configuration OK (${file})`);
    expect(result.output).toContain('password: "[redacted]"');
    expect(result.output).not.toContain('hunter2');
  });

  it('ingest-worker without Kafka and Redis says what to set, exit code 2', async () => {
    const result = await runBudgetwatch(['ingest-worker']);
    expect(result.code).toBe(2);
    expect(result.output).toContain('needs Kafka and Redis (set KAFKA_BROKERS and REDIS_URL)');
  });

  it.each([
    [['notifier'], 'needs Kafka and Redis (set KAFKA_BROKERS and REDIS_URL)'],
    [['api'], 'needs Redis (set REDIS_URL)'],
  ])('%j without its connections says what to set, exit code 2', async (args, message) => {
    const result = await runBudgetwatch(args);
    expect(result.code).toBe(2);
    expect(result.output).toContain(message);
  });

  it('notifier without Slack or email says what to set, exit code 2', async () => {
    const result = await runBudgetwatch(['notifier'], {
      KAFKA_BROKERS: '127.0.0.1:9',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(result.code).toBe(2);
    expect(result.output).toContain('set SLACK_BOT_TOKEN, or SMTP_URL and BUDGETWATCH_EMAIL_FROM');
  });

  it('rejects an unknown command with exit code 2', async () => {
    const result = await runBudgetwatch(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.output).toContain("unknown command 'frobnicate'");
  });

  it('config check refuses what start refuses: Redis without Kafka, exit code 2', async () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:1' };
    const check = await runBudgetwatch(['config', 'check'], env);
    const start = await runBudgetwatch(['start'], env);
    expect(check.code).toBe(2);
    expect(start.code).toBe(2);
    expect(check.output).toContain('set KAFKA_BROKERS too, or unset both');
    expect(check.output).toBe(start.output);
  });

  it('config check says what start runs on', async () => {
    const embedded = await runBudgetwatch(['config', 'check']);
    expect(embedded.code).toBe(0);
    expect(embedded.output).toContain('start runs on embedded defaults');
    const connected = await runBudgetwatch(['config', 'check'], {
      KAFKA_BROKERS: '127.0.0.1:9',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(connected.code).toBe(0);
    expect(connected.output).toContain('start runs on Kafka and Redis');
  });

  it.each([
    ['an alias bomb', aliasBomb(), 'Excessive alias count'],
    ['an endless device', '/dev/zero', 'larger than 8 MiB'],
  ])('%s as the configuration: exit code 2 naming the file', async (_name, file, reason) => {
    const path = file.startsWith('/') ? file : join(dir, 'bomb.yaml');
    if (path !== file) writeFileSync(path, file);
    const result = await runBudgetwatch(['--config', path, 'config', 'check']);
    expect(result.code).toBe(2);
    expect(result.output).toContain(`budgetwatch: invalid configuration: ${path}`);
    expect(result.output).toContain(reason);
  });

  it('a process with an invalid configuration exits with code 2 and one line', async () => {
    const file = join(dir, 'process.yaml');
    writeFileSync(file, 'http:\n  port: eighty\n');
    const result = await budgetwatch(['--config', file, 'config', 'check']);
    expect(result.code).toBe(2);
    expect(result.output.trim().split('\n')).toHaveLength(1);
  });
});

/** Nine levels of nine aliases: 9^9 strings once expanded. */
function aliasBomb(): string {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let level = 1; level < 9; level++) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`);
  }
  return `${levels.join('\n')}\n`;
}
