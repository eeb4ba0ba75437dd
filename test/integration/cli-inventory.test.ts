import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { budgetwatch } from '../support/cli.js';

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
});
