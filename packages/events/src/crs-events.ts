import { CRS_GATE_RULE, type CrsBreakdown, type Transition } from '@budgetwatch/domain';
import { type ActionData, EVALUATOR_SOURCE, type ResponderContext } from './budget-events.js';
import type { CrsGateEvent } from './budgetwatch-event.js';
import { cloudEventType } from './event-types.js';
import { type TransitionPosition, transitionKey } from './transition-key.js';

/** `data` of expansion.halted/resumed when the CRS gate moved: an action with the score. */
export interface CrsGateData extends ActionData {
  crs: {
    score: number;
    threshold: number;
    A: number;
    R: number;
    O: number;
    B: number;
    /** The largest contributions, largest first. */
    reasons: { factor: 'A' | 'R' | 'O' | 'B'; text: string; contribution: number }[];
  };
}

export interface CrsGateInput {
  breakdown: CrsBreakdown;
  threshold: number;
  transition: Transition;
  /** The gate's state right after this transition: it names the transition. */
  position: TransitionPosition;
  responder: ResponderContext;
  evaluatedAtMs: number;
  /** How many reasons the event names. */
  topReasons?: number;
}

/** expansion.halted when a server's CRS crosses the threshold, expansion.resumed when it falls back. */
export function crsGateEvent(input: CrsGateInput): CrsGateEvent {
  const { breakdown } = input;
  const type = input.transition === 'breached' ? 'expansion.halted' : 'expansion.resumed';
  const gateId = transitionKey(
    CRS_GATE_RULE,
    { server: breakdown.server, tool: null, drill: false },
    input.position,
  );
  return {
    specversion: '1.0',
    id: `${gateId}/${type}`,
    source: EVALUATOR_SOURCE,
    type: cloudEventType(type),
    subject: breakdown.server,
    time: new Date(input.evaluatedAtMs).toISOString(),
    datacontenttype: 'application/json',
    data: {
      rule: CRS_GATE_RULE,
      scope: 'server',
      server: breakdown.server,
      tool: null,
      drill: false,
      causedBy: gateId,
      fallbackMode: input.responder.fallbackMode,
      killSwitchOwner: input.responder.killSwitchOwner,
      crs: {
        score: breakdown.crs,
        threshold: input.threshold,
        A: breakdown.A,
        R: breakdown.R,
        O: breakdown.O,
        B: breakdown.B,
        reasons: breakdown.reasons
          .slice(0, input.topReasons ?? 3)
          .map(({ factor, text, contribution }) => ({ factor, text, contribution })),
      },
    },
  };
}
