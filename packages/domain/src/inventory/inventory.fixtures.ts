import type { InventoryServer } from './inventory.js';

/** A Tier 2 server that passes every check on 2026-11-25; tests break one thing at a time. */
export function compliantTier2(overrides: Partial<InventoryServer> = {}): InventoryServer {
  return {
    id: 'payments-mcp',
    name: 'Payments',
    owner: { team: 'payments', email: 'payments@example.com', slackChannel: '#payments-oncall' },
    tier: 2,
    dataSensitivity: 'confidential',
    writeCapability: 'full',
    auth: { mode: 'oauth', scopes: ['refunds:write'] },
    sharedAdminCredentials: false,
    credentialsSeparated: true,
    downstreamImpact: 'refunds',
    killSwitch: { owner: 'alice', lastTestedAt: '2026-11-20T00:00:00Z' },
    fallbackMode: 'queue refunds',
    maxBlastRadius: 'one region for 15 minutes',
    recoveryChecklist: ['route to the fallback'],
    match: [],
    ...overrides,
  };
}
