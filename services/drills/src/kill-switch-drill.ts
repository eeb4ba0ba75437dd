import { displayText } from '@budgetwatch/domain';
import type { Block, DecisionFeed } from '@budgetwatch/mcp-guard';
import type { DrillCheck } from './drill-runner.js';

/** Engages or releases a server's kill switch: the API's operator control (docs/contract.md). */
export interface KillSwitchControl {
  set(engaged: boolean, request: { server: string; actor: string; reason: string }): Promise<ControlOutcome>;
}

export type ControlOutcome =
  | { published: true; eventId: string }
  | {
      published: false;
      /** What went wrong, to show as it is (the API's answer and a hint). */
      refusal: string;
      /** The API answered 4xx: nothing was published. Otherwise (unreachable, 5xx) it may have been. */
      surelyNotPublished: boolean;
    };

/** One guarded call to a tool of the drilled server: reached the tool, or the block that stopped it. */
export interface GuardedProbe {
  call(): Promise<{ reached: true } | { reached: false; block: Block }>;
}

export interface KillSwitchDrillOptions {
  control: KillSwitchControl;
  /** The decision feed the probe's guard follows. */
  feed: DecisionFeed;
  probe: GuardedProbe;
  /** How long the feed may take to sync, and a guard to block (or let through again): 5 s by default. */
  boundMs?: number;
  /** Aborted (SIGINT): stop waiting for enforcement; the kill switch is released all the same. */
  signal?: AbortSignal;
  /** The clock enforcement is timed with. */
  now?: () => number;
}

export interface KillSwitchOutcome {
  checks: DrillCheck[];
  /** Engaged, seen blocking a guarded call within the bound, released, and seen released. */
  verified: boolean;
  engagedEventId: string | null;
  releasedEventId: string | null;
  /** From sending the engage to a guarded call blocked by it. */
  enforceMs: number | null;
  /** From sending the release to a guarded call reaching the tool again. */
  releaseMs: number | null;
}

export const KILL_SWITCH_BOUND_MS = 5_000;

export const ENGAGED_CHECK = 'kill switch engaged';
export const ENFORCED_CHECK = 'kill switch enforced';
export const RELEASED_CHECK = 'kill switch released';
/** The checks a kill-switch rehearsal adds to a drill, in order. */
export const DRILL_KILL_SWITCH_CHECKS = [ENGAGED_CHECK, ENFORCED_CHECK, RELEASED_CHECK] as const;

/** Who the drill acts as, in the operator events and the audit history. */
export function drillActor(runId: string): string {
  return `drill ${runId}`;
}

/**
 * The kill-switch part of a drill (docs/contract.md, "Drills"): a real engage through the API
 * (operator events marked as drill set no decision, so a drill's would enforce nothing), verified
 * by a guarded call that the guard must block within the bound, then always released and verified
 * released. A kill switch already engaged is left alone: it is an operator's, not the drill's.
 */
export async function drillKillSwitch(
  server: string,
  runId: string,
  reason: string,
  options: KillSwitchDrillOptions,
): Promise<KillSwitchOutcome> {
  const boundMs = options.boundMs ?? KILL_SWITCH_BOUND_MS;
  const now = options.now ?? (() => performance.now());
  const request = { server, actor: drillActor(runId), reason };
  const bound = formatMs(boundMs);
  const shown = displayText(server);
  const outcome: KillSwitchOutcome = {
    checks: [],
    verified: false,
    engagedEventId: null,
    releasedEventId: null,
    enforceMs: null,
    releaseMs: null,
  };
  const check = (name: string, passed: boolean, detail: string) =>
    outcome.checks.push({ name, passed, detail, detectMs: null, notifyMs: null });

  try {
    await options.feed.whenSynced(boundMs);
  } catch (error) {
    check(
      ENGAGED_CHECK,
      false,
      `not engaged: the decision feed gave no state within ${bound} (${(error as Error).message}), so no guard could be watched: is the API running with Kafka, and is the read token right?`,
    );
    return outcome;
  }
  const held = killSwitchOn(options.feed, server);
  if (held !== undefined) {
    const by = held.causes.find((cause) => cause.actor !== undefined)?.actor;
    check(
      ENGAGED_CHECK,
      false,
      `not engaged: the kill switch of ${shown} is already engaged${by === undefined ? '' : ` by ${displayText(by)}`} since ${displayText(held.since)}; the drill leaves it as it is`,
    );
    return outcome;
  }

  if (options.signal?.aborted === true) {
    check(ENGAGED_CHECK, false, 'interrupted: not engaged');
    return outcome;
  }
  const engageSent = now();
  const engaged = await setKillSwitch(options.control, true, request);
  if (!engaged.published) {
    check(
      ENGAGED_CHECK,
      false,
      `${engaged.refusal}; ${engaged.surelyNotPublished ? 'nothing engaged' : 'releasing it in case it was engaged'}`,
    );
    if (engaged.surelyNotPublished) return outcome;
  } else {
    outcome.engagedEventId = engaged.eventId;
    check(
      ENGAGED_CHECK,
      true,
      `engaged through the API as "${request.actor}": event ${displayText(engaged.eventId, 256)}`,
    );
    const enforced = await verifyEnforced(server, engaged.eventId, engageSent, {
      ...options,
      boundMs,
      now,
    }).catch((error: unknown) => ({
      passed: false,
      detail: `the guarded call failed: ${(error as Error).message}`,
      enforceMs: null,
    }));
    outcome.enforceMs = enforced.enforceMs;
    check(ENFORCED_CHECK, enforced.passed, enforced.detail);
  }

  // Always released, interrupted or not: the drill must never leave a server cut off.
  const releaseSent = now();
  const released = await setKillSwitch(options.control, false, request);
  if (!released.published) {
    check(
      RELEASED_CHECK,
      false,
      `${released.refusal}: the kill switch of ${shown} may STILL BE ENGAGED; release it with budgetwatch kill-switch release ${shown} --reason "..."`,
    );
    return outcome;
  }
  outcome.releasedEventId = released.eventId;
  const gone = await waitForFeed(
    options.feed,
    () => killSwitchOn(options.feed, server) === undefined,
    boundMs,
  );
  const probe = gone === 'seen' ? await options.probe.call().catch(() => undefined) : undefined;
  const releaseMs = now() - releaseSent;
  if (probe === undefined || (!probe.reached && probe.block.reason === 'kill_switch')) {
    check(
      RELEASED_CHECK,
      false,
      `released (event ${displayText(released.eventId, 256)}) but a guard still saw the kill switch ${formatMs(releaseMs)} later: check GET /api/v1/decisions?server=${shown}`,
    );
    return outcome;
  }
  outcome.releaseMs = releaseMs;
  check(
    RELEASED_CHECK,
    true,
    probe.reached
      ? `released (event ${displayText(released.eventId, 256)}); a guarded call reached the tool again ${formatMs(releaseMs)} after`
      : `released (event ${displayText(released.eventId, 256)}); ${formatMs(releaseMs)} after, a guarded call was no longer blocked by the kill switch (blocked: ${probe.block.reason}, a decision of its own)`,
  );
  outcome.verified = outcome.checks.every((one) => one.passed);
  return outcome;
}

/** Waits for the guard's feed to hold the engage, then sends a guarded call that must be blocked by it. */
async function verifyEnforced(
  server: string,
  engagedId: string,
  engageSent: number,
  options: KillSwitchDrillOptions & { boundMs: number; now: () => number },
): Promise<{ passed: boolean; detail: string; enforceMs: number | null }> {
  const { boundMs, now } = options;
  const bound = formatMs(boundMs);
  const seen = await waitForFeed(
    options.feed,
    () => killSwitchOn(options.feed, server)?.causes.some((cause) => cause.eventId === engagedId) === true,
    boundMs,
    options.signal,
  );
  if (seen !== 'seen') {
    return {
      passed: false,
      detail:
        seen === 'aborted'
          ? 'interrupted before a guard saw the kill switch'
          : `no guard saw the kill switch within ${bound} of the engage: is the decision folder running (start or api with Kafka)?`,
      enforceMs: null,
    };
  }
  const seenMs = now() - engageSent;
  const probe = await options.probe.call();
  const enforceMs = now() - engageSent;
  if (probe.reached) {
    return {
      passed: false,
      detail: 'the guard saw the kill switch but a guarded call still reached the tool',
      enforceMs: null,
    };
  }
  if (probe.block.reason !== 'kill_switch' || enforceMs > boundMs) {
    return {
      passed: false,
      detail: `a guarded call was blocked (${probe.block.reason}) ${formatMs(enforceMs)} after the engage: not by the kill switch within ${bound}`,
      enforceMs: null,
    };
  }
  return {
    passed: true,
    detail: `the guard saw it ${formatMs(seenMs)} after the engage; a guarded call was blocked (kill_switch) ${formatMs(enforceMs)} after it, within ${bound}`,
    enforceMs,
  };
}

/** A control that throws is one whose outcome is unknown: the kill switch may have changed. */
function setKillSwitch(
  control: KillSwitchControl,
  engaged: boolean,
  request: { server: string; actor: string; reason: string },
): Promise<ControlOutcome> {
  return control.set(engaged, request).catch((error: unknown) => ({
    published: false,
    refusal: (error as Error).message,
    surelyNotPublished: false,
  }));
}

function killSwitchOn(feed: DecisionFeed, server: string) {
  return feed.subject(server, null)?.decisions.find((decision) => decision.kind === 'kill_switch');
}

/** Resolves when `holds()` is true after a change of the feed (or already), at the timeout, or on abort. */
export function waitForFeed(
  feed: DecisionFeed,
  holds: () => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<'seen' | 'timeout' | 'aborted'> {
  if (holds()) return Promise.resolve('seen');
  if (signal?.aborted === true) return Promise.resolve('aborted');
  return new Promise((resolve) => {
    const finish = (result: 'seen' | 'timeout' | 'aborted') => {
      unsubscribe();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = () => finish('aborted');
    const unsubscribe = feed.onChange(() => {
      if (holds()) finish('seen');
    });
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
