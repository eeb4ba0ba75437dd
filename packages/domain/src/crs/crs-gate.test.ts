import { describe, expect, it } from 'vitest';
import { INITIAL_RULE_STATE } from '../rules/evaluate-rule.js';
import type { CrsBreakdown } from './control-plane-risk.js';
import { advanceCrsGate } from './crs-gate.js';

const breakdown = (gated: boolean): CrsBreakdown => ({
  server: 's',
  A: 0,
  R: 0,
  O: 0,
  B: 0,
  crs: gated ? 60 : 59,
  gated,
  reasons: [],
});

describe('advanceCrsGate', () => {
  it('settles a first score below the threshold without a transition', () => {
    const { state, transition } = advanceCrsGate(INITIAL_RULE_STATE, breakdown(false), 1000);
    expect(transition).toBeNull();
    expect(state).toMatchObject({ status: 'ok', transitions: 0 });
  });

  it('halts once on crossing up, resumes once on crossing down', () => {
    const halted = advanceCrsGate(INITIAL_RULE_STATE, breakdown(true), 1000);
    expect(halted).toMatchObject({ transition: 'breached', state: { status: 'firing', transitions: 1 } });
    expect(advanceCrsGate(halted.state, breakdown(true), 2000)).toEqual({
      state: halted.state,
      transition: null,
    });
    const resumed = advanceCrsGate(halted.state, breakdown(false), 3000);
    expect(resumed).toMatchObject({ transition: 'recovered', state: { status: 'ok', transitions: 2 } });
    expect(advanceCrsGate(resumed.state, breakdown(false), 4000).transition).toBeNull();
  });
});
