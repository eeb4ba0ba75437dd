/**
 * The guard's one decision per call, pure and I/O-free: given the decisions in force on the
 * server and on the tool, the feed's freshness, the options and the time, whether the call goes
 * to the tool, goes as a probe, or goes to the fallback, and the in-flight cap that applies
 * (docs/guard.md).
 */
import { type ActiveDecision, OPERATOR_CAUSE, type SubjectDecisions } from './subject-decisions.js';

export type FallbackReason = 'frozen' | 'kill_switch' | 'feed_stale';

/** What the feed has been able to tell, as of now. */
export interface FeedFreshness {
  /** False until the feed's first full state (snapshot, or the topic read to its end). */
  synced: boolean;
  /** When bytes or records last arrived (keepalives count); undefined when never. */
  lastActivityMs: number | undefined;
}

export interface DecisionPolicy {
  /** The feed is stale when nothing arrived for longer than this. */
  staleAfterMs: number;
  /** A stale feed: `open` calls the tool, `closed` routes to the fallback (reason feed_stale). */
  whenStale: 'open' | 'closed';
  /** One real call per interval while a tool is frozen by rules only; undefined: never probe. */
  probeIntervalMs: number | undefined;
  /** The in-flight cap per tool while `concurrency_lowered` holds. */
  loweredConcurrency: number;
}

export interface DecisionInput {
  /** The server subject's decisions (tool null), if any. */
  server: SubjectDecisions | undefined;
  /** The server/tool subject's decisions, if any. */
  tool: SubjectDecisions | undefined;
  freshness: FeedFreshness;
  policy: DecisionPolicy;
  /**
   * When this tool's probe clock last started: its last probe, or its first blocked call of this
   * block (the guard sets it), so the first probe comes one interval after blocking begins.
   * Undefined: no probe is due yet.
   */
  lastProbeMs: number | undefined;
  nowMs: number;
}

/** The decision that blocks a call, and where it was found. */
export interface Block {
  reason: FallbackReason;
  /** When the block began (ISO); null for a stale feed, which has no event. */
  since: string | null;
  /** The decision key of the subject that holds it; null for a stale feed. */
  subject: string | null;
  /** Who and why, for an operator's action. */
  actor?: string;
  why?: string;
}

export type GuardDecision =
  | { action: 'call'; concurrencyLimit: number | null }
  /** A real call through a rule freeze: its outcome tells whether the tool healed. */
  | { action: 'probe'; concurrencyLimit: number | null; block: Block }
  | { action: 'fallback'; block: Block };

export function decideCall(input: DecisionInput): GuardDecision {
  const { policy, nowMs } = input;
  if (isStale(input.freshness, policy.staleAfterMs, nowMs)) {
    return policy.whenStale === 'open'
      ? { action: 'call', concurrencyLimit: null }
      : { action: 'fallback', block: { reason: 'feed_stale', since: null, subject: null } };
  }
  const subjects = [input.server, input.tool].filter(
    (subject): subject is SubjectDecisions => subject !== undefined,
  );
  const killSwitch = findDecision(subjects, 'kill_switch');
  if (killSwitch !== undefined) return { action: 'fallback', block: blockOf('kill_switch', killSwitch) };
  const frozen = findDecision(subjects, 'frozen');
  const concurrencyLimit =
    findDecision(subjects, 'concurrency_lowered') === undefined ? null : policy.loweredConcurrency;
  if (frozen === undefined) return { action: 'call', concurrencyLimit };
  const block = blockOf('frozen', frozen);
  // Every freeze on either subject must be by rules alone: an operator's freeze is never probed.
  const probeable = subjects.every((subject) => subject.decisions.every(isProbeable));
  if (probeable && probeDue(policy.probeIntervalMs, input.lastProbeMs, nowMs)) {
    return { action: 'probe', concurrencyLimit, block };
  }
  return { action: 'fallback', block };
}

/** Stale: never synced, or silent for longer than the bound. */
export function isStale(freshness: FeedFreshness, staleAfterMs: number, nowMs: number): boolean {
  if (!freshness.synced || freshness.lastActivityMs === undefined) return true;
  return nowMs - freshness.lastActivityMs > staleAfterMs;
}

function probeDue(intervalMs: number | undefined, lastProbeMs: number | undefined, nowMs: number): boolean {
  if (intervalMs === undefined || lastProbeMs === undefined) return false;
  return nowMs - lastProbeMs >= intervalMs;
}

function isProbeable(decision: ActiveDecision): boolean {
  if (decision.kind !== 'frozen') return true;
  return decision.causes.length > 0 && decision.causes.every((cause) => cause.rule !== OPERATOR_CAUSE);
}

interface Found {
  subject: SubjectDecisions;
  decision: ActiveDecision;
}

/** The server's decision first: it applies to every tool and usually began earlier. */
function findDecision(subjects: readonly SubjectDecisions[], kind: string): Found | undefined {
  for (const subject of subjects) {
    const decision = subject.decisions.find((candidate) => candidate.kind === kind);
    if (decision !== undefined) return { subject, decision };
  }
  return undefined;
}

function blockOf(reason: FallbackReason, found: Found): Block {
  const block: Block = { reason, since: found.decision.since, subject: found.subject.key };
  const operator = found.decision.causes.find((cause) => cause.rule === OPERATOR_CAUSE);
  if (operator?.actor !== undefined) block.actor = operator.actor;
  if (operator?.reason !== undefined) block.why = operator.reason;
  return block;
}
