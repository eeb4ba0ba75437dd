import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inventoryFindings } from '@budgetwatch/domain';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config-error.js';
import { loadInventory } from './load-inventory.js';

const EXAMPLE = join(import.meta.dirname, '../../../../config/inventory.example.yaml');
const dir = mkdtempSync(join(tmpdir(), 'bw-inventory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(text: string): string {
  const path = join(dir, `inventory-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

const SERVER = `servers:
  - id: s
    tier: 1
    dataSensitivity: internal
    writeCapability: none
    auth: { mode: oauth, scopes: [read] }
    sharedAdminCredentials: false
    credentialsSeparated: true
`;

describe('loadInventory', () => {
  it('reads the documented example: five servers across the three tiers', () => {
    const { inventory } = loadInventory({ file: EXAMPLE });
    expect(inventory.servers.map((server) => `${server.id}:${server.tier}`)).toEqual([
      'payments-mcp:2',
      'crm-writer-mcp:2',
      'search-mcp:1',
      'wiki-mcp:1',
      'weather-mcp:0',
    ]);
    const payments = inventory.servers[0];
    expect(payments?.killSwitch).toEqual({ owner: 'alice', lastTestedAt: '2026-11-20T00:00:00.000Z' });
    expect(payments?.match).toEqual([
      { attribute: 'server.address', on: 'span', equals: 'payments-mcp.internal' },
    ]);
    const findings = inventoryFindings(inventory, {
      nowMs: Date.parse('2026-11-25T12:00:00Z'),
      killSwitchMaxAgeDays: 30,
    });
    expect(findings.map((finding) => `${finding.server} ${finding.severity} ${finding.rule}`)).toEqual([
      'crm-writer-mcp blocking tier2-kill-switch-tested',
      'wiki-mcp warning scopes-declared',
    ]);
  });

  it('fills defaults: name from the id, no owner, kill switch untested, no match rules', () => {
    const { inventory } = loadInventory({ file: write(SERVER) });
    expect(inventory.servers[0]).toMatchObject({
      id: 's',
      name: 's',
      owner: null,
      killSwitch: { owner: null, lastTestedAt: null },
      recoveryChecklist: [],
      match: [],
    });
  });

  it('without a file nothing is registered', () => {
    expect(loadInventory({}).inventory.servers).toEqual([]);
  });

  it.each([
    ['a tier out of range', SERVER.replace('tier: 1', 'tier: 3'), 'servers.0.tier'],
    ['an unknown auth mode', SERVER.replace('mode: oauth', 'mode: basic'), 'servers.0.auth.mode'],
    ['a duplicate id', `${SERVER}${SERVER.replace('servers:\n', '')}`, 'duplicate server id s'],
    [
      'the overflow server id',
      SERVER.replace('id: s', 'id: "(other servers)"'),
      "reserved for Budgetwatch's own series",
    ],
    [
      'a matcher with two conditions',
      `${SERVER}    match:\n      - { attribute: a, equals: x, present: true }\n`,
      'exactly one of equals',
    ],
    [
      'a bad pattern',
      `${SERVER}    match:\n      - { attribute: a, pattern: "(" }\n`,
      'not a valid regular expression',
    ],
    ['an unknown field', `${SERVER}    colour: blue\n`, 'colour'],
    [
      'a bad test date',
      `${SERVER}    killSwitch: { owner: a, lastTestedAt: yesterday }\n`,
      'servers.0.killSwitch.lastTestedAt',
    ],
  ])('%s is a clear error with file and line', (_label, text, message) => {
    const file = write(text);
    try {
      loadInventory({ file });
      expect.unreachable('the inventory should be rejected');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+`));
    }
  });
});
