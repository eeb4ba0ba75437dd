import { type InventoryServer, isNonTrivial } from '../inventory/inventory.js';
import { killSwitchAgeDays } from '../inventory/inventory-findings.js';
import type { CrsScoring } from './crs-scoring.js';

export type CrsFactor = 'A' | 'R' | 'O' | 'B';

/** One thing that adds to a factor, with what it adds to the CRS itself (weighted). */
export interface CrsReason {
  factor: CrsFactor;
  points: number;
  /** `points` x the factor's weight, before the factor is capped at 100. */
  contribution: number;
  text: string;
}

export interface CrsBreakdown {
  server: string;
  A: number;
  R: number;
  O: number;
  B: number;
  crs: number;
  /** CRS at or above the halt threshold: expansion stops. */
  gated: boolean;
  /** Everything that scored, largest contribution first. */
  reasons: CrsReason[];
}

/** The live side of the score: the share of each budget the server's windows have used. */
export interface LiveBudgets {
  /** Rule id -> budget consumed (0 none, 1 at the threshold); rules without data are absent. */
  consumed: Readonly<Record<string, number>>;
  /** The rule whose consumption also counts toward A (unexpected policy blocks). */
  unexpectedBlocksRule: string;
}

export interface CrsInput {
  server: InventoryServer;
  live: LiveBudgets;
  nowMs: number;
  killSwitchMaxAgeDays: number;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** CRS = 0.35 A + 0.25 R + 0.20 O + 0.20 B (weights configurable), each factor 0-100. */
export function controlPlaneRisk(input: CrsInput, scoring: CrsScoring): CrsBreakdown {
  const { server, live } = input;
  const weights = {
    A: scoring.weights.auth,
    R: scoring.weights.reliability,
    O: scoring.weights.ownership,
    B: scoring.weights.blastRadius,
  };
  const reasons: CrsReason[] = [];
  const add = (factor: CrsFactor, points: number, text: string) => {
    if (points > 0)
      reasons.push({ factor, points: round1(points), contribution: round1(points * weights[factor]), text });
  };

  // A: auth and scope gap. A trivial server (Tier 0, read-only, public data) needs no auth, and
  // no kill switch below.
  const nonTrivial = isNonTrivial(server);
  const auth = scoring.auth;
  if (nonTrivial) add('A', auth.mode[server.auth.mode], `auth mode ${server.auth.mode}`);
  if (server.sharedAdminCredentials) add('A', auth.sharedAdminCredentials, 'shared admin credentials');
  if (!server.credentialsSeparated)
    add('A', auth.credentialsNotSeparated, 'sandbox and production credentials not separated');
  if (server.auth.mode !== 'none' && server.auth.scopes.length === 0)
    add('A', auth.noScopesDeclared, 'no least-privilege scopes declared');
  const blocks = Math.min(1, live.consumed[live.unexpectedBlocksRule] ?? 0);
  add(
    'A',
    blocks * auth.unexpectedBlocksBudget,
    `${Math.round(blocks * 100)}% of the unexpected-policy-blocks budget used`,
  );

  // R: reliability gap, the most consumed budget.
  const worst = Object.entries(live.consumed).reduce<[string, number] | null>(
    (max, entry) => (max === null || entry[1] > max[1] ? entry : max),
    null,
  );
  if (worst !== null)
    add(
      'R',
      Math.min(1, worst[1]) * 100,
      `${Math.round(Math.min(1, worst[1]) * 100)}% of the ${worst[0]} budget used`,
    );

  // O: ownership gap.
  const own = scoring.ownership;
  if (server.owner === null) add('O', own.noOwner, 'no owner');
  if (nonTrivial) {
    if (server.killSwitch.owner === null) add('O', own.noKillSwitchOwner, 'no kill-switch owner');
    const age = killSwitchAgeDays(server, input.nowMs);
    if (age === null) add('O', own.killSwitchNeverTested, 'kill switch never tested');
    else if (age > input.killSwitchMaxAgeDays) {
      add('O', own.killSwitchStale, `kill switch last tested ${Math.floor(age)} days ago`);
    }
  }
  if (server.recoveryChecklist.length === 0) add('O', own.noRecoveryChecklist, 'no recovery checklist');

  // B: blast-radius potential.
  const blast = scoring.blastRadius;
  add('B', blast.tier[`${server.tier}`], `tier ${server.tier}`);
  add('B', blast.writeCapability[server.writeCapability], `write capability ${server.writeCapability}`);
  add('B', blast.dataSensitivity[server.dataSensitivity], `${server.dataSensitivity} data`);

  const factor = (name: CrsFactor) =>
    round1(
      Math.min(
        100,
        reasons.filter((reason) => reason.factor === name).reduce((sum, reason) => sum + reason.points, 0),
      ),
    );
  const A = factor('A');
  const R = factor('R');
  const O = factor('O');
  const B = factor('B');
  const crs = round1(A * weights.A + R * weights.R + O * weights.O + B * weights.B);
  return {
    server: server.id,
    A,
    R,
    O,
    B,
    crs,
    gated: crs >= scoring.haltThreshold,
    reasons: reasons.sort((a, b) => b.contribution - a.contribution),
  };
}
