import type { Tier } from '@budgetwatch/domain';

/** Label matchers of a silence: every one given must equal the alert's; absent ones match all. */
export interface SilenceMatchers {
  server?: string;
  tool?: string;
  rule?: string;
  tier?: Tier;
}

export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  createdAt: string;
}

/** What a silence is matched against. */
export interface SilenceTarget {
  server: string;
  tool: string | null;
  rule: string;
  tier: Tier | null;
}

export function isSilenceActive(silence: Silence, nowMs: number): boolean {
  return Date.parse(silence.startsAt) <= nowMs && nowMs < Date.parse(silence.endsAt);
}

export function silenceMatches(silence: Silence, target: SilenceTarget): boolean {
  const { server, tool, rule, tier } = silence.matchers;
  return (
    (server === undefined || server === target.server) &&
    (tool === undefined || tool === target.tool) &&
    (rule === undefined || rule === target.rule) &&
    (tier === undefined || tier === target.tier)
  );
}

/** The first active silence matching the target, if any. */
export function mutingSilence(
  silences: readonly Silence[],
  target: SilenceTarget,
  nowMs: number,
): Silence | undefined {
  return silences.find((silence) => isSilenceActive(silence, nowMs) && silenceMatches(silence, target));
}

/** A silence with no matcher would mute everything: refused, like a missing expiry. */
export function silenceProblems(silence: Pick<Silence, 'matchers' | 'startsAt' | 'endsAt'>): string[] {
  const problems: string[] = [];
  if (Object.values(silence.matchers).every((value) => value === undefined)) {
    problems.push('a silence needs at least one matcher (server, tool, rule or tier)');
  }
  const startsAt = Date.parse(silence.startsAt);
  const endsAt = Date.parse(silence.endsAt);
  if (Number.isNaN(startsAt) || Number.isNaN(endsAt)) problems.push('startsAt and endsAt must be ISO times');
  else if (endsAt <= startsAt) problems.push('endsAt must be after startsAt');
  return problems;
}
