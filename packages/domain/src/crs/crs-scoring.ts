import type { AuthMode, DataSensitivity, WriteCapability } from '../inventory/inventory.js';
import type { Tier } from '../rules/rule.js';

/**
 * How the Control-Plane Risk Score is computed (docs/crs.md explains each factor with a worked
 * example). Every number here can be overridden in the policy file's `crs` section.
 */
export interface CrsScoring {
  /** CRS = A x weights.auth + R x weights.reliability + O x weights.ownership + B x weights.blastRadius. */
  weights: { auth: number; reliability: number; ownership: number; blastRadius: number };
  /** A CRS at or above this halts expansion. */
  haltThreshold: number;
  /** A: auth and scope gap, points per finding plus the live unexpected-block budget. */
  auth: {
    mode: Record<AuthMode, number>;
    sharedAdminCredentials: number;
    credentialsNotSeparated: number;
    noScopesDeclared: number;
    /** Points at 100% of the unexpected-policy-blocks budget consumed (scaled below that). */
    unexpectedBlocksBudget: number;
  };
  /** O: ownership gap. */
  ownership: {
    noOwner: number;
    noKillSwitchOwner: number;
    killSwitchNeverTested: number;
    /** Tested, but longer ago than the inventory check allows. */
    killSwitchStale: number;
    noRecoveryChecklist: number;
  };
  /** B: blast-radius potential. */
  blastRadius: {
    tier: Record<`${Tier}`, number>;
    writeCapability: Record<WriteCapability, number>;
    dataSensitivity: Record<DataSensitivity, number>;
  };
}

export const DEFAULT_CRS_SCORING: CrsScoring = {
  weights: { auth: 0.35, reliability: 0.25, ownership: 0.2, blastRadius: 0.2 },
  haltThreshold: 60,
  auth: {
    mode: { none: 60, static_token: 25, oauth: 0, mtls: 0 },
    sharedAdminCredentials: 25,
    credentialsNotSeparated: 15,
    noScopesDeclared: 10,
    unexpectedBlocksBudget: 30,
  },
  ownership: {
    noOwner: 40,
    noKillSwitchOwner: 20,
    killSwitchNeverTested: 30,
    killSwitchStale: 20,
    noRecoveryChecklist: 10,
  },
  blastRadius: {
    tier: { 0: 0, 1: 30, 2: 60 },
    writeCapability: { none: 0, limited: 15, full: 25 },
    dataSensitivity: { public: 0, internal: 5, confidential: 10, restricted: 15 },
  },
};
