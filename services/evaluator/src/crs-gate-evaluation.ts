import {
  advanceCrsGate,
  CRS_GATE_RULE,
  type InventoryServer,
  type Policy,
  seriesId,
} from '@budgetwatch/domain';
import { crsGateEvent, type ResponderContext } from '@budgetwatch/events';
import type { WindowReader } from '@budgetwatch/window-store';
import type { RuleStateAdvancer } from './rule-state-advancer.js';
import { type CrsOptions, serverCrs } from './server-crs.js';

/**
 * The expansion gate of one registered server: its CRS from the live windows moves the gate's
 * state, and crossing the halt threshold either way is an expansion.halted or .resumed event.
 */
export class CrsGateEvaluation {
  constructor(
    private readonly policy: Policy,
    private readonly windows: WindowReader,
    private readonly advancer: RuleStateAdvancer,
  ) {}

  /** `server` as the CRS reads it: with its last passed drill as its kill-switch test. */
  async evaluate(
    server: InventoryServer,
    crs: CrsOptions,
    responder: ResponderContext,
    nowMs: number,
  ): Promise<void> {
    const breakdown = await serverCrs(server, this.policy, this.windows, crs, nowMs);
    const id = seriesId({ server: server.id, tool: null, drill: false });
    await this.advancer.readAndAdvance(id, CRS_GATE_RULE, nowMs, async (previous) => {
      const gate = advanceCrsGate(previous, breakdown, nowMs);
      if (gate.transition === null) return { state: gate.state, events: [] };
      const event = crsGateEvent({
        breakdown,
        threshold: crs.scoring.haltThreshold,
        transition: gate.transition,
        position: gate.state,
        responder,
        evaluatedAtMs: nowMs,
      });
      return { state: gate.state, events: [event] };
    });
  }
}
