import type { Tier } from '../rules/rule.js';
import type { AttributeMatcher } from '../tool-calls/attribute-matcher.js';

export type DataSensitivity = 'public' | 'internal' | 'confidential' | 'restricted';
export type WriteCapability = 'none' | 'limited' | 'full';
export type AuthMode = 'none' | 'static_token' | 'oauth' | 'mtls';

/** One MCP server as operators register it (docs/contract.md#7-rollout-controls). */
export interface InventoryServer {
  id: string;
  name: string;
  owner: { team: string; email: string | null; slackChannel: string | null } | null;
  /** 0: public or low-risk read-only; 1: internal read; 2: state-changing. */
  tier: Tier;
  dataSensitivity: DataSensitivity;
  writeCapability: WriteCapability;
  auth: {
    mode: AuthMode;
    /** Least-privilege scopes declared for the server's credentials; empty: none declared. */
    scopes: string[];
  };
  sharedAdminCredentials: boolean;
  /** Sandbox and production credentials are different. */
  credentialsSeparated: boolean;
  downstreamImpact: string | null;
  killSwitch: { owner: string | null; lastTestedAt: string | null };
  fallbackMode: string | null;
  maxBlastRadius: string | null;
  recoveryChecklist: string[];
  /**
   * Span match rules, all of which must hold for a span to belong to this server. Without any, a
   * span belongs to it when its derived server id equals the id.
   */
  match: AttributeMatcher[];
}

export interface Inventory {
  servers: InventoryServer[];
}

export const EMPTY_INVENTORY: Inventory = { servers: [] };

/** A server that can hurt: anything but a Tier 0 read-only server of public data. */
export function isNonTrivial(
  server: Pick<InventoryServer, 'tier' | 'writeCapability' | 'dataSensitivity'>,
): boolean {
  return server.tier > 0 || server.writeCapability !== 'none' || server.dataSensitivity !== 'public';
}
