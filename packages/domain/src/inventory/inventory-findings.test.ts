import { describe, expect, it } from 'vitest';
import { compliantTier2 } from './inventory.fixtures.js';
import type { InventoryServer } from './inventory.js';
import { serverFindings } from './inventory-findings.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const OPTIONS = { nowMs: NOW, killSwitchMaxAgeDays: 30 };
const rules = (server: InventoryServer) =>
  serverFindings(server, OPTIONS).map((f) => `${f.severity} ${f.rule}`);

describe('inventory findings', () => {
  it('a compliant Tier 2 server has none', () => {
    expect(rules(compliantTier2())).toEqual([]);
  });

  it.each<[string, Partial<InventoryServer>, string]>([
    ['no owner', { owner: null }, 'blocking tier2-owner'],
    [
      'an owner without a team name',
      { owner: { team: ' ', email: null, slackChannel: null } },
      'blocking tier2-owner',
    ],
    [
      'no kill-switch owner',
      { killSwitch: { owner: null, lastTestedAt: '2026-11-20T00:00:00Z' } },
      'blocking tier2-kill-switch-owner',
    ],
    [
      'a kill switch never tested',
      { killSwitch: { owner: 'alice', lastTestedAt: null } },
      'blocking tier2-kill-switch-tested',
    ],
    [
      'a kill switch tested 31 days ago',
      { killSwitch: { owner: 'alice', lastTestedAt: '2026-10-25T11:59:00Z' } },
      'blocking tier2-kill-switch-tested',
    ],
    ['no auth on a non-trivial server', { auth: { mode: 'none', scopes: [] } }, 'blocking auth-required'],
    ['shared admin credentials', { sharedAdminCredentials: true }, 'blocking shared-admin-credentials'],
    [
      'sandbox and production credentials shared',
      { credentialsSeparated: false },
      'blocking credentials-not-separated',
    ],
    ['no scopes declared', { auth: { mode: 'static_token', scopes: [] } }, 'warning scopes-declared'],
    ['no fallback mode', { fallbackMode: null }, 'warning tier2-fallback-mode'],
    ['no blast-radius statement', { maxBlastRadius: null }, 'warning tier2-blast-radius'],
    ['no recovery checklist', { recoveryChecklist: [] }, 'warning tier2-recovery-checklist'],
  ])('%s', (_label, overrides, finding) => {
    expect(rules(compliantTier2(overrides))).toEqual([finding]);
  });

  it('a kill switch tested exactly 30 days ago still passes', () => {
    expect(
      rules(compliantTier2({ killSwitch: { owner: 'alice', lastTestedAt: '2026-10-26T12:00:00Z' } })),
    ).toEqual([]);
  });

  it('Tier 0 and 1 servers need no kill switch, owner or checklist', () => {
    const relaxed = compliantTier2({
      tier: 1,
      owner: null,
      killSwitch: { owner: null, lastTestedAt: null },
      fallbackMode: null,
      maxBlastRadius: null,
      recoveryChecklist: [],
    });
    expect(rules(relaxed)).toEqual([]);
  });

  it('a trivial server (Tier 0, read-only, public data) may run without auth', () => {
    const trivial = compliantTier2({
      tier: 0,
      writeCapability: 'none',
      dataSensitivity: 'public',
      auth: { mode: 'none', scopes: [] },
    });
    expect(rules(trivial)).toEqual([]);
    expect(rules({ ...trivial, dataSensitivity: 'internal' })).toEqual(['blocking auth-required']);
    expect(rules({ ...trivial, writeCapability: 'limited' })).toEqual(['blocking auth-required']);
  });
});
