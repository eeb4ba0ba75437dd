import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../rules/playbook-rules.js';
import { limitsFor } from '../rules/rule.js';
import { measure } from '../rules/rule-measurement.js';
import { addCall, emptyCounters } from '../windows/bucket-counters.js';
import { summarizeWindow } from '../windows/window-summary.js';
import { DRILL_SCENARIOS } from './drill-scenarios.js';

describe('drill scenarios', () => {
  it.each(Object.values(DRILL_SCENARIOS))(
    '$name breaches exactly its expected rules, by a wide margin',
    (scenario) => {
      const thresholds = [3000];
      const counters = emptyCounters(thresholds.length);
      for (let i = 0; i < scenario.calls; i++) {
        const call = scenario.call(i);
        addCall(
          counters,
          {
            server: 's',
            tool: 't',
            drill: true,
            outcome: call.policyDenied ? 'blocked_unexpected' : call.error ? 'error' : 'ok',
            fallback: false,
            latencyMs: call.durationMs,
            eventTimeMs: 0,
            unregistered: false,
          },
          thresholds,
        );
      }
      const breached = DEFAULT_POLICY.rules
        .filter((rule) => {
          const limits = limitsFor(rule, undefined);
          return measure(rule, limits, summarizeWindow(counters, thresholds, rule.windowMs)).breaching;
        })
        .map((rule) => rule.id);
      expect(breached.sort()).toEqual([...scenario.expectedRules].sort());
      expect(scenario.calls).toBeGreaterThanOrEqual(
        2 * Math.max(...DEFAULT_POLICY.rules.map((rule) => rule.minCalls)),
      );
    },
  );
});
