import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetwatchInProcess as budgetwatch } from '../support/cli.js';

const EXAMPLE = join(import.meta.dirname, '../../config/inventory.example.yaml');
const dir = mkdtempSync(join(tmpdir(), 'bw-inventory-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('budgetwatch inventory check', () => {
  it('lists the findings of the example inventory and exits 1 on its blocking one', async () => {
    const result = await budgetwatch(['inventory', 'check'], { BUDGETWATCH_INVENTORY: EXAMPLE });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toMatch(
      /crm-writer-mcp \(tier 2\): 1 finding\(s\)\n {2}blocking tier2-kill-switch-tested +Tier 2 kill switch never tested/,
    );
    expect(result.output).toContain('weather-mcp (tier 0): ok');
    expect(result.output).toContain('5 servers, 2 findings, 1 blocking');
  });

  it('exits 0 when nothing blocks, and prints JSON on request', async () => {
    const tested = readFileSync(EXAMPLE, 'utf8').replace(
      'killSwitch: { owner: bob }',
      `killSwitch: { owner: bob, lastTestedAt: ${new Date().toISOString().slice(0, 10)} }`,
    );
    const file = join(dir, 'tested.yaml');
    writeFileSync(
      file,
      tested.replace(/lastTestedAt: 2026-11-20/, `lastTestedAt: ${new Date().toISOString().slice(0, 10)}`),
    );
    const result = await budgetwatch(['inventory', 'check', '--json'], { BUDGETWATCH_INVENTORY: file });
    expect(result.code, result.output).toBe(0);
    const report = JSON.parse(result.output) as {
      servers: number;
      blocking: number;
      findings: { rule: string }[];
    };
    expect(report).toMatchObject({ servers: 5, blocking: 0 });
    expect(report.findings.map((finding) => finding.rule)).toEqual(['scopes-declared']);
  });

  it('rejects an invalid inventory with exit code 2, naming file, line and field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'servers:\n  - id: x\n    tier: 5\n');
    const result = await budgetwatch(['inventory', 'check'], { BUDGETWATCH_INVENTORY: file });
    expect(result.code).toBe(2);
    expect(result.output).toContain(`${file}:3:11 servers.0.tier`);
  });

  it('has --help', async () => {
    const result = await budgetwatch(['inventory', 'check', '--help']);
    expect(result.code).toBe(0);
    expect(result.output).toContain('exit code 1 on a blocking finding');
  });

  it('checks the file named on the command line, as promtool and amtool do', async () => {
    const result = await budgetwatch(['inventory', 'check', EXAMPLE]);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('5 servers, 2 findings, 1 blocking');
    const bad = join(dir, 'bad-argument.yaml');
    writeFileSync(bad, 'servers:\n  - id: x\n    tier: 5\n');
    const invalid = await budgetwatch(['inventory', 'check', bad], { BUDGETWATCH_INVENTORY: EXAMPLE });
    expect(invalid.code).toBe(2);
    expect(invalid.output).toContain(`${bad}:3:11 servers.0.tier`);
  });
});

describe('budgetwatch policy check', () => {
  const POLICY_EXAMPLE = join(import.meta.dirname, '../../config/policy.example.yaml');

  it('validates the file named on the command line and lists its rules', async () => {
    const result = await budgetwatch(['policy', 'check', POLICY_EXAMPLE]);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`policy OK (${POLICY_EXAMPLE})`);
    expect(result.output).toMatch(/success-rate +fires when success_rate < 97% over 24h +\[tool, server\]/);
    expect(result.output).toMatch(/latency-p95 +fires when p95 latency > 3000 ms over 2h/);
  });

  it('without a file checks the configured one, else the shipped rules', async () => {
    const shipped = await budgetwatch(['policy', 'check']);
    expect(shipped.code).toBe(0);
    expect(shipped.output).toContain('policy OK (the four playbook rules)');
    const configured = await budgetwatch(['policy', 'check'], { BUDGETWATCH_POLICY: POLICY_EXAMPLE });
    expect(configured.output).toContain(`policy OK (${POLICY_EXAMPLE})`);
  });

  it('rejects an invalid file with exit code 2, naming file, line and field', async () => {
    const file = join(dir, 'bad-policy.yaml');
    writeFileSync(
      file,
      'rules:\n  - id: r\n    metric: success_rate\n    window: 2h\n    comparator: "<"\n    threshold: 97\n',
    );
    const result = await budgetwatch(['policy', 'check', file]);
    expect(result.code).toBe(2);
    expect(result.output.trim()).toBe(
      `budgetwatch: invalid configuration: ${file}:6:16 rules.0.threshold: a rate is between 0 and 1 (0.97 for 97%)`,
    );
  });
});
