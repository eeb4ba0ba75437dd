import type { RuleState, Transition } from '../rules/evaluate-rule.js';
import type { CrsBreakdown } from './control-plane-risk.js';

/** The rule id the expansion gate's state and events go by. */
export const CRS_GATE_RULE = 'crs-gate';

/**
 * The expansion gate of one server as a rule state: `firing` while its CRS is at or above the
 * threshold. Crossing up is a `breached` transition (expansion.halted), crossing down `recovered`
 * (expansion.resumed); the first score below the threshold only settles the state.
 */
export function advanceCrsGate(
  previous: RuleState,
  breakdown: CrsBreakdown,
  nowMs: number,
): { state: RuleState; transition: Transition | null } {
  if (breakdown.gated && previous.status !== 'firing') {
    return {
      state: {
        status: 'firing',
        since: nowMs,
        pendingSince: null,
        breachOpen: true,
        transitions: previous.transitions + 1,
        epoch: previous.epoch,
      },
      transition: 'breached',
    };
  }
  if (!breakdown.gated && previous.status === 'firing') {
    return {
      state: {
        status: 'ok',
        since: nowMs,
        pendingSince: null,
        breachOpen: false,
        transitions: previous.transitions + 1,
        epoch: previous.epoch,
      },
      transition: 'recovered',
    };
  }
  if (!breakdown.gated && previous.status === 'no_data') {
    return { state: { ...previous, status: 'ok', since: nowMs }, transition: null };
  }
  return { state: previous, transition: null };
}
