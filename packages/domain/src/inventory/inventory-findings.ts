import { type Inventory, type InventoryServer, isNonTrivial } from './inventory.js';

export type FindingSeverity = 'blocking' | 'warning';

export interface Finding {
  server: string;
  /** The rule broken (stable id, for CI logs and the docs). */
  rule: FindingRule;
  severity: FindingSeverity;
  message: string;
}

export type FindingRule =
  | 'tier2-owner'
  | 'tier2-kill-switch-owner'
  | 'tier2-kill-switch-tested'
  | 'auth-required'
  | 'shared-admin-credentials'
  | 'credentials-not-separated'
  | 'scopes-declared'
  | 'tier2-fallback-mode'
  | 'tier2-blast-radius'
  | 'tier2-recovery-checklist';

export interface FindingOptions {
  nowMs: number;
  /** A Tier 2 kill switch must have been tested within this many days. */
  killSwitchMaxAgeDays: number;
}

const DAY = 24 * 3_600_000;

/** The rollout checks of docs/contract.md#7-rollout-controls for one server. */
export function serverFindings(server: InventoryServer, options: FindingOptions): Finding[] {
  const findings: Finding[] = [];
  const add = (rule: FindingRule, severity: FindingSeverity, message: string) =>
    findings.push({ server: server.id, rule, severity, message });
  if (server.tier === 2) {
    if (server.owner === null || server.owner.team.trim() === '') {
      add('tier2-owner', 'blocking', 'Tier 2 server without a named owner');
    }
    if (server.killSwitch.owner === null) {
      add('tier2-kill-switch-owner', 'blocking', 'Tier 2 server without a kill-switch owner');
    }
    const tested = killSwitchAgeDays(server, options.nowMs);
    if (tested === null) {
      add('tier2-kill-switch-tested', 'blocking', 'Tier 2 kill switch never tested');
    } else if (tested > options.killSwitchMaxAgeDays) {
      add(
        'tier2-kill-switch-tested',
        'blocking',
        `Tier 2 kill switch last tested ${Math.floor(tested)} days ago (more than ${options.killSwitchMaxAgeDays})`,
      );
    }
    if (server.fallbackMode === null)
      add('tier2-fallback-mode', 'warning', 'Tier 2 server without a fallback mode');
    if (server.maxBlastRadius === null) {
      add('tier2-blast-radius', 'warning', 'Tier 2 server without a maximum blast-radius statement');
    }
    if (server.recoveryChecklist.length === 0) {
      add('tier2-recovery-checklist', 'warning', 'Tier 2 server without a recovery checklist');
    }
  }
  if (isNonTrivial(server) && server.auth.mode === 'none') {
    add('auth-required', 'blocking', 'non-trivial server without token, OAuth or mTLS authentication');
  }
  if (server.sharedAdminCredentials)
    add('shared-admin-credentials', 'blocking', 'shared admin credentials in use');
  if (!server.credentialsSeparated) {
    add('credentials-not-separated', 'blocking', 'sandbox and production credentials are not separated');
  }
  if (isNonTrivial(server) && server.auth.mode !== 'none' && server.auth.scopes.length === 0) {
    add('scopes-declared', 'warning', 'no least-privilege scopes declared');
  }
  return findings;
}

export function inventoryFindings(inventory: Inventory, options: FindingOptions): Finding[] {
  return inventory.servers.flatMap((server) => serverFindings(server, options));
}

/** Days since the kill switch was last tested; null when never. */
export function killSwitchAgeDays(server: InventoryServer, nowMs: number): number | null {
  const tested = server.killSwitch.lastTestedAt;
  if (tested === null) return null;
  return Math.max(0, (nowMs - Date.parse(tested)) / DAY);
}
