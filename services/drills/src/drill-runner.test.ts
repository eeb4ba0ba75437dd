import { DRILL_SERIES_LIFETIME_MS } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import { checkDrillTimeout } from './drill-runner.js';

describe('checkDrillTimeout', () => {
  it('lets a drill wait as long as its series are kept, and no longer', () => {
    expect(() => checkDrillTimeout(DRILL_SERIES_LIFETIME_MS)).not.toThrow();
    expect(() => checkDrillTimeout(DRILL_SERIES_LIFETIME_MS + 1000)).toThrow(
      'a drill waits at most 1h: its series are forgotten 1h after its calls (got 3601s)',
    );
  });
});
