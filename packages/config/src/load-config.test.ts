import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';
import { redactSecrets } from './redact-secrets.js';
import { MAX_YAML_FILE_BYTES, parseYaml } from './yaml-file.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function writeConfig(text: string): string {
  const path = join(dir, `budgetwatch-${++fileCounter}.yaml`);
  writeFileSync(path, text);
  return path;
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, got none');
}

describe('loadConfig', () => {
  it('applies defaults when there is no file and no environment', () => {
    const { config, file } = loadConfig({ env: {} });
    expect(file).toBeUndefined();
    expect(config.kafka).toBeUndefined();
    expect(config.redis).toBeUndefined();
    expect(config.topics).toEqual({
      spans: ['otlp_spans'],
      events: 'budgetwatch.events',
      deadLetter: 'budgetwatch.dlq',
      decisions: 'budgetwatch.decisions',
      layout: {
        spans: { partitions: 6, retentionMs: 72 * 3_600_000 },
        events: { partitions: 3, retentionMs: 7 * 24 * 3_600_000 },
        deadLetter: { partitions: 1, retentionMs: 7 * 24 * 3_600_000 },
      },
    });
    expect(config.http.port).toBe(8080);
    expect(config.log.level).toBe('info');
  });

  it('reads a file and lets the environment override it', () => {
    const path = writeConfig(
      [
        'kafka:',
        '  brokers: ["k1:9092", "k2:9092"]',
        '  clientId: from-file',
        'topics:',
        '  spans: [a, b]',
        'http:',
        '  port: 9000',
      ].join('\n'),
    );
    const { config, file } = loadConfig({
      file: path,
      env: { KAFKA_CLIENT_ID: 'from-env', BUDGETWATCH_HTTP_PORT: '9100', REDIS_URL: 'redis://r:6379' },
    });
    expect(file).toBe(path);
    expect(config.kafka?.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.kafka?.clientId).toBe('from-env');
    expect(config.topics.spans).toEqual(['a', 'b']);
    expect(config.http.port).toBe(9100);
    expect(config.redis).toMatchObject({ url: 'redis://r:6379', keyPrefix: 'bw:', cluster: false });
  });

  it('REDIS_CLUSTER makes REDIS_URL the seed node of a cluster', () => {
    const env = { REDIS_URL: 'redis://seed:7000', REDIS_CLUSTER: 'true' };
    expect(loadConfig({ env }).config.redis).toMatchObject({ url: 'redis://seed:7000', cluster: true });
  });

  it('finds the file through BUDGETWATCH_CONFIG', () => {
    const path = writeConfig('log:\n  level: debug\n');
    expect(loadConfig({ env: { BUDGETWATCH_CONFIG: path } }).config.log.level).toBe('debug');
  });

  it('plumbs SASL and TLS settings from the environment', () => {
    const { config } = loadConfig({
      env: {
        KAFKA_BROKERS: 'a:9093, b:9093',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: '/etc/ca.pem',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'bw',
        KAFKA_SASL_PASSWORD: 's3cret',
        REDIS_URL: 'rediss://cache:6380',
        REDIS_PASSWORD: 'r3dis',
        REDIS_TLS: '1',
      },
    });
    expect(config.kafka).toMatchObject({
      brokers: ['a:9093', 'b:9093'],
      ssl: { enabled: true, caFile: '/etc/ca.pem', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'bw', password: 's3cret' },
    });
    expect(config.redis).toMatchObject({ password: 'r3dis', tls: { enabled: true } });
    const redacted = JSON.stringify(redactSecrets(config));
    expect(redacted).not.toContain('s3cret');
    expect(redacted).not.toContain('r3dis');
  });

  it('reads the Slack signing secret from the environment only, and masks it', () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    const { config } = loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: secret } });
    expect(config.notifier.slack?.signingSecret).toBe(secret);
    expect(JSON.stringify(redactSecrets(config))).not.toContain(secret);
    const path = writeConfig(`notifier:\n  slack:\n    token: x\n    signingSecret: ${secret}\n`);
    expect(() => loadConfig({ file: path, env: {} })).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('masks credentials inside a Redis URL', () => {
    const { config } = loadConfig({ env: { REDIS_URL: 'redis://ops:hunter2@cache:6379/0' } });
    expect(redactSecrets(config).redis?.url).toBe('redis://ops:[redacted]@cache:6379/0');
  });
});

interface ErrorCase {
  name: string;
  file?: string;
  env?: Record<string, string>;
  /** Every fragment must appear in the one-line message. */
  expected: string[];
}

const errorCases: ErrorCase[] = [
  {
    name: 'YAML syntax error names the file and line',
    file: 'kafka:\n  brokers: [a:1\nredis: {\n',
    expected: ['YAML syntax error', ':3'],
  },
  {
    name: 'missing required field names the file and the field',
    file: 'kafka:\n  clientId: x\n',
    expected: ['kafka.brokers', 'required (or set KAFKA_BROKERS)', ':2:3'],
  },
  {
    name: 'wrong type names the file, line and field',
    file: 'http:\n  port: "eighty"\n',
    expected: ['http.port', 'expected a number, got a string', ':2:9'],
  },
  {
    name: 'list given as a string',
    file: 'kafka:\n  brokers: k1:9092\n',
    expected: ['kafka.brokers', 'expected an array, got a string'],
  },
  {
    name: 'unknown field is reported, not ignored',
    file: 'kafka:\n  brokers: ["k:1"]\n  brokerz: 3\n',
    expected: ['kafka.brokerz', 'unknown field', ':3:'],
  },
  {
    name: 'enum value lists the choices',
    file: 'log:\n  level: loud\n',
    expected: ['log.level', 'expected one of "fatal"'],
  },
  {
    name: 'password in the file is refused',
    file: 'kafka:\n  brokers: ["k:1"]\n  sasl:\n    mechanism: plain\n    username: u\n    password: p\n',
    expected: ['kafka.sasl.password', 'set KAFKA_SASL_PASSWORD'],
  },
  {
    name: 'password inside the file URL is refused',
    file: 'redis:\n  url: redis://u:p@host:6379\n',
    expected: ['redis.url', 'holds a password'],
  },
  {
    name: 'a cluster URL naming a database other than 0',
    env: { REDIS_URL: 'redis://seed:7000/2', REDIS_CLUSTER: 'yes' },
    expected: ['environment variable REDIS_URL', 'redis.url', 'only database 0'],
  },
  {
    name: 'bad environment value names the variable',
    env: { BUDGETWATCH_HTTP_PORT: 'abc' },
    expected: ['environment variable BUDGETWATCH_HTTP_PORT', 'http.port', 'expected a number, got a string'],
  },
  {
    name: 'malformed broker list from the environment',
    env: { KAFKA_BROKERS: 'no-port' },
    expected: ['environment variable KAFKA_BROKERS', 'kafka.brokers.0', 'host:port'],
  },
  {
    name: 'SASL without password points at the variable',
    env: { KAFKA_BROKERS: 'k:1', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' },
    expected: ['kafka.sasl.password', 'KAFKA_SASL_PASSWORD'],
  },
  {
    name: 'top level must be a mapping',
    file: '- a\n- b\n',
    expected: ['expected a mapping'],
  },
];

describe('loadConfig errors', () => {
  it.each(errorCases)('$name', ({ file, env, expected }) => {
    const path = file === undefined ? undefined : writeConfig(file);
    const error = configErrorOf(() =>
      loadConfig({ ...(path === undefined ? {} : { file: path }), env: env ?? {} }),
    );
    if (path !== undefined) expect(error.message).toContain(path);
    for (const fragment of expected) expect(error.message).toContain(fragment);
  });

  it('reports a missing file', () => {
    const error = configErrorOf(() => loadConfig({ file: join(dir, 'absent.yaml'), env: {} }));
    expect(error.message).toBe(`invalid configuration: ${join(dir, 'absent.yaml')} file not found`);
  });

  it('never echoes secret values in errors', () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: { KAFKA_BROKERS: 'k:1', KAFKA_SASL_MECHANISM: 'md5', KAFKA_SASL_PASSWORD: 'topsecret' },
      }),
    );
    expect(error.message).not.toContain('topsecret');
  });

  it('lists every problem, one per line', () => {
    const path = writeConfig('http:\n  port: -1\nlog:\n  level: loud\n');
    const error = configErrorOf(() => loadConfig({ file: path, env: {} }));
    expect(error.issues).toHaveLength(2);
    expect(error.message.split('\n')).toHaveLength(3);
  });
});

describe('hostile configuration files', () => {
  it('refuses a file larger than the limit, naming it', () => {
    const path = writeConfig(`log:\n  level: info\n# ${'x'.repeat(MAX_YAML_FILE_BYTES)}\n`);
    const error = configErrorOf(() => loadConfig({ file: path, env: {} }));
    expect(error.message).toBe(`invalid configuration: ${path} larger than 8 MiB: not a Budgetwatch file`);
  });

  it('refuses an endless device at once instead of reading it into memory', () => {
    const error = configErrorOf(() => loadConfig({ file: '/dev/zero', env: {} }));
    expect(error.message).toContain('/dev/zero larger than 8 MiB');
  });

  it('refuses an alias bomb, naming the file', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`);
    }
    const path = writeConfig(`${levels.join('\n')}\n`);
    const error = configErrorOf(() => loadConfig({ file: path, env: {} }));
    expect(error.issues[0]?.source).toEqual({ kind: 'file', file: path });
    expect(error.message).toContain('Excessive alias count');
  });

  it('refuses nesting deeper than the parser can follow, naming the file', () => {
    const path = writeConfig(`log: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    const error = configErrorOf(() => loadConfig({ file: path, env: {} }));
    expect(error.issues[0]?.source).toMatchObject({ kind: 'file', file: path });
  });

  it('accepts an anchor shared by thousands of entries', () => {
    const servers = Array.from({ length: 3000 }, (_, i) => `  - { id: s${i}, owner: *owner }`);
    const file = parseYaml(
      `owner: &owner { team: payments }\nservers:\n${servers.join('\n')}\n`,
      'x',
      'a mapping',
    );
    expect((file.data.servers as unknown[]).length).toBe(3000);
  });
});
