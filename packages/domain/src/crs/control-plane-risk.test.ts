import { describe, expect, it } from 'vitest';
import { compliantTier2 } from '../inventory/inventory.fixtures.js';
import type { InventoryServer } from '../inventory/inventory.js';
import { controlPlaneRisk, type LiveBudgets } from './control-plane-risk.js';
import { DEFAULT_CRS_SCORING } from './crs-scoring.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const QUIET: LiveBudgets = { consumed: {}, unexpectedBlocksRule: 'unexpected-policy-blocks' };
const score = (server: InventoryServer, live: LiveBudgets = QUIET) =>
  controlPlaneRisk({ server, live, nowMs: NOW, killSwitchMaxAgeDays: 30 }, DEFAULT_CRS_SCORING);

/** Tier 0, read-only, public, mTLS with scopes, owned and tested: every factor 0. */
const SAFE = compliantTier2({
  tier: 0,
  writeCapability: 'none',
  dataSensitivity: 'public',
  auth: { mode: 'mtls', scopes: ['read'] },
});

/** The same, holding internal data: no longer trivial, so auth and the kill switch count. */
const INTERNAL = { ...SAFE, dataSensitivity: 'internal' as const };

describe('Control-Plane Risk Score', () => {
  it('is 0 for a server with nothing to score', () => {
    expect(score(SAFE)).toMatchObject({ A: 0, R: 0, O: 0, B: 0, crs: 0, gated: false, reasons: [] });
  });

  it.each<[string, Partial<InventoryServer>, number]>([
    ['auth none', { auth: { mode: 'none', scopes: [] } }, 60],
    ['a static token', { auth: { mode: 'static_token', scopes: ['read'] } }, 25],
    ['a static token without scopes', { auth: { mode: 'static_token', scopes: [] } }, 35],
    ['shared admin credentials', { sharedAdminCredentials: true }, 25],
    ['credentials not separated', { credentialsSeparated: false }, 15],
    [
      'everything wrong (capped)',
      { auth: { mode: 'none', scopes: [] }, sharedAdminCredentials: true, credentialsSeparated: false },
      100,
    ],
  ])('A: %s', (_label, overrides, A) => {
    expect(score({ ...INTERNAL, ...overrides }).A).toBe(A);
  });

  it('a trivial server (Tier 0, read-only, public data) scores no auth mode or kill-switch points', () => {
    const open = {
      ...SAFE,
      auth: { mode: 'none' as const, scopes: [] },
      killSwitch: { owner: null, lastTestedAt: null },
    };
    expect(score(open)).toMatchObject({ A: 0, O: 0 });
    expect(score({ ...open, dataSensitivity: 'internal' })).toMatchObject({ A: 60, O: 50 });
  });

  it('A adds the unexpected-block budget consumed, up to its points at 100% and no more', () => {
    const blocks = (consumed: number) =>
      score(SAFE, { ...QUIET, consumed: { 'unexpected-policy-blocks': consumed } }).A;
    expect(blocks(0.5)).toBe(15);
    expect(blocks(1)).toBe(30);
    expect(blocks(3)).toBe(30);
  });

  it('R is the most consumed budget, as a percentage capped at 100', () => {
    const r = (consumed: Record<string, number>) => score(SAFE, { ...QUIET, consumed }).R;
    expect(r({ 'success-rate': 0.25, 'latency-p95': 0.6 })).toBe(60);
    expect(r({ 'success-rate': 1 })).toBe(100);
    expect(r({ 'success-rate': 4 })).toBe(100);
  });

  it.each<[string, Partial<InventoryServer>, number]>([
    ['no owner', { owner: null }, 40],
    ['no kill-switch owner', { killSwitch: { owner: null, lastTestedAt: '2026-11-20T00:00:00Z' } }, 20],
    ['kill switch never tested', { killSwitch: { owner: 'alice', lastTestedAt: null } }, 30],
    [
      'kill switch tested 31 days ago',
      { killSwitch: { owner: 'alice', lastTestedAt: '2026-10-25T11:00:00Z' } },
      20,
    ],
    [
      'kill switch tested 30 days ago',
      { killSwitch: { owner: 'alice', lastTestedAt: '2026-10-26T12:00:00Z' } },
      0,
    ],
    ['no recovery checklist', { recoveryChecklist: [] }, 10],
    [
      'no owner of anything, never tested',
      { owner: null, killSwitch: { owner: null, lastTestedAt: null }, recoveryChecklist: [] },
      100,
    ],
  ])('O: %s', (_label, overrides, O) => {
    expect(score({ ...INTERNAL, ...overrides }).O).toBe(O);
  });

  it.each<[Partial<InventoryServer>, number]>([
    [{ tier: 1 }, 30],
    [{ tier: 2 }, 60],
    [{ writeCapability: 'limited' }, 15],
    [{ writeCapability: 'full' }, 25],
    [{ dataSensitivity: 'internal' }, 5],
    [{ dataSensitivity: 'restricted' }, 15],
    [{ tier: 2, writeCapability: 'full', dataSensitivity: 'restricted' }, 100],
  ])('B: %j -> %i', (overrides, B) => {
    expect(score({ ...SAFE, ...overrides }).B).toBe(B);
  });

  it('gates at 60 exactly, not below', () => {
    // B 100 alone is 20; A 100 is 35: 55. R 20 adds 5: 60.
    const risky = {
      ...SAFE,
      tier: 2 as const,
      writeCapability: 'full' as const,
      dataSensitivity: 'restricted' as const,
      auth: { mode: 'none' as const, scopes: [] },
      sharedAdminCredentials: true,
      credentialsSeparated: false,
    };
    expect(score(risky, { ...QUIET, consumed: { 'success-rate': 0.2 } })).toMatchObject({
      crs: 60,
      gated: true,
    });
    expect(score(risky, { ...QUIET, consumed: { 'success-rate': 0.16 } })).toMatchObject({
      crs: 59,
      gated: false,
    });
  });

  it('reproduces the worked example of docs/crs.md', () => {
    const payments = compliantTier2({
      auth: { mode: 'static_token', scopes: [] },
      killSwitch: { owner: 'alice', lastTestedAt: null },
    });
    const live = (successRate: number): LiveBudgets => ({
      consumed: { 'success-rate': successRate, 'unexpected-policy-blocks': 0.5, 'latency-p95': 0.2 },
      unexpectedBlocksRule: 'unexpected-policy-blocks',
    });
    expect(score(payments, live(0.5))).toMatchObject({ A: 50, R: 50, O: 30, B: 95, crs: 55, gated: false });
    const failing = score(payments, live(1));
    expect(failing).toMatchObject({ R: 100, crs: 67.5, gated: true });
    expect(failing.reasons.slice(0, 3).map((reason) => reason.text)).toEqual([
      '100% of the success-rate budget used',
      'tier 2',
      'auth mode static_token',
    ]);
    const drilled = score(
      { ...payments, killSwitch: { owner: 'alice', lastTestedAt: '2026-11-25T10:00:00Z' } },
      live(0.5),
    );
    expect(drilled).toMatchObject({ O: 0, crs: 49, gated: false });
  });
});
