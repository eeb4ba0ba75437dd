import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY } from '@budgetwatch/domain';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config-error.js';
import { loadPolicy } from './load-policy.js';

const EXAMPLE = join(import.meta.dirname, '../../../../config/policy.example.yaml');
const dir = mkdtempSync(join(tmpdir(), 'bw-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const rule = (fields: string) => `rules:\n  - id: r\n    window: 2h\n${fields}`;

describe('loadPolicy', () => {
  it('the documented example is exactly the shipped default', () => {
    expect(loadPolicy({ file: EXAMPLE, latencyThresholdsMs: [3000] }).policy).toEqual(DEFAULT_POLICY);
  });

  it('without a file the four playbook rules apply', () => {
    expect(loadPolicy({ latencyThresholdsMs: [3000] }).policy.rules.map((r) => r.id)).toEqual([
      'success-rate',
      'latency-p95',
      'unexpected-policy-blocks',
      'fallback-activation',
    ]);
  });

  it('reads tier overrides, durations and defaults', () => {
    const file = write(
      'tiers.yaml',
      rule(
        '    metric: success_rate\n    comparator: "<"\n    threshold: 0.97\n    for: 5m\n    tiers:\n      2: { threshold: 0.99, minCalls: 10, for: 30s }\n',
      ),
    );
    const [loaded] = loadPolicy({ file, latencyThresholdsMs: [3000] }).policy.rules;
    expect(loaded).toMatchObject({
      windowMs: 7_200_000,
      forMs: 300_000,
      minCalls: 50,
      resolveThreshold: 0.97,
      scopes: ['tool', 'server'],
      tiers: { 2: { threshold: 0.99, minCalls: 10, forMs: 30_000 } },
    });
  });

  it.each([
    [
      'an unknown field',
      rule('    metric: success_rate\n    comparator: "<"\n    threshold: 0.9\n    treshold: 1\n'),
      ':7:15 rules.0.treshold: unknown field',
    ],
    [
      'a percentage written as a number',
      rule('    metric: success_rate\n    comparator: "<"\n    threshold: 97\n'),
      'rules.0.threshold: a rate is between 0 and 1',
    ],
    [
      'a latency rule without ">"',
      rule('    metric: latency_quantile\n    quantile: 0.95\n    comparator: "<"\n    threshold: 3000\n'),
      'rules.0.comparator: latency rules fire on ">"',
    ],
    [
      'a resolve threshold on the breaching side',
      rule('    metric: success_rate\n    comparator: "<"\n    threshold: 0.97\n    resolveThreshold: 0.9\n'),
      'rules.0.resolveThreshold: must be on the healthy side',
    ],
    [
      'a quantile windows do not report',
      rule('    metric: latency_quantile\n    quantile: 0.9\n    comparator: ">"\n    threshold: 3000\n'),
      'rules.0.quantile:',
    ],
    [
      'a bad duration',
      'rules:\n  - id: r\n    window: 2 hours\n    metric: fallback_rate\n    comparator: ">"\n    threshold: 0.1\n',
      ':3:13 rules.0.window: expected a duration like 30s',
    ],
    [
      'a window over 24h',
      'rules:\n  - id: r\n    window: 48h\n    metric: fallback_rate\n    comparator: ">"\n    threshold: 0.1\n',
      'rules.0.window: must be between 1s and 24h',
    ],
    [
      'a duplicate id',
      `${rule('    metric: fallback_rate\n    comparator: ">"\n    threshold: 0.1\n')}  - id: r\n    window: 2h\n    metric: fallback_rate\n    comparator: ">"\n    threshold: 0.2\n`,
      'rules.1.id: duplicate rule id r',
    ],
    [
      'a reserved id',
      'rules:\n  - id: operator\n    window: 2h\n    metric: fallback_rate\n    comparator: ">"\n    threshold: 0.1\n',
      "rules.0.id: operator is reserved: it names Budgetwatch's own events (crs-gate, operator, inventory-unregistered)",
    ],
    [
      'a latency threshold the worker does not count',
      rule('    metric: latency_quantile\n    quantile: 0.99\n    comparator: ">"\n    threshold: 8000\n'),
      'ingest.latencyThresholdsMs: the policy decides on calls slower than 8000 ms',
    ],
    [
      'burn rate on a non-success rule',
      `${rule('    metric: fallback_rate\n    comparator: ">"\n    threshold: 0.1\n')}burnRate:\n  enabled: true\n  rule: r\n`,
      'burnRate.rule: must name a success_rate rule',
    ],
  ])('%s is one clear error', (_name, text, message) => {
    const file = write('bad.yaml', text);
    try {
      loadPolicy({ file, latencyThresholdsMs: [3000] });
      expect.unreachable('the policy should be rejected');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toHaveLength(1);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toContain(file);
    }
  });
});
