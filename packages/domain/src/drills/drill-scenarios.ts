/** The calls of one drill: what each synthetic tool call looks like. */
export interface DrillCall {
  /** Failed in the tool (span status error). */
  error: boolean;
  /** Denied by the policy engine, unexpectedly (a credential or scope out of place). */
  policyDenied: boolean;
  durationMs: number;
}

export type DrillScenarioName =
  | 'credential-compromise'
  | 'malformed-response'
  | 'dependency-outage'
  | 'latency';

export interface DrillScenario {
  name: DrillScenarioName;
  description: string;
  /** How many drill calls are sent: well above every playbook rule's minimum calls. */
  calls: number;
  call(index: number): DrillCall;
  /** Records that are not OTLP at all, which must end up dead-lettered. */
  malformedRecords: number;
  /** The rules whose breach (of the drill series) the drill waits for. */
  expectedRules: string[];
  /**
   * The playbook answers this incident with the server's kill switch, so the drill can rehearse
   * that too (`--kill-switch`): engage it, verify that calls are blocked, release it.
   */
  answeredWithKillSwitch: boolean;
}

const CALLS = 200;

/**
 * The incident drills of docs/contract.md#7-rollout-controls. Each breaches its rules by a wide margin, so a
 * drill passes or fails on whether the pipeline detects and notifies, never on a threshold.
 */
export const DRILL_SCENARIOS: Readonly<Record<DrillScenarioName, DrillScenario>> = {
  'credential-compromise': {
    name: 'credential-compromise',
    description: 'a stolen credential calls out of scope: 30% of calls blocked unexpectedly by policy',
    calls: CALLS,
    call: (i) => ({ error: false, policyDenied: i % 10 < 3, durationMs: 40 }),
    malformedRecords: 0,
    expectedRules: ['unexpected-policy-blocks'],
    answeredWithKillSwitch: true,
  },
  'malformed-response': {
    name: 'malformed-response',
    description: 'the tool answers garbage: half the calls fail, and malformed records reach the span topic',
    calls: CALLS,
    call: (i) => ({ error: i % 2 === 0, policyDenied: false, durationMs: 60 }),
    malformedRecords: 5,
    expectedRules: ['success-rate'],
    answeredWithKillSwitch: false,
  },
  'dependency-outage': {
    name: 'dependency-outage',
    description: "the tool's dependency is down: 40% of calls fail and the rest time out slowly",
    calls: CALLS,
    call: (i) =>
      i % 5 < 2
        ? { error: true, policyDenied: false, durationMs: 100 }
        : { error: false, policyDenied: false, durationMs: 4500 },
    malformedRecords: 0,
    expectedRules: ['success-rate', 'latency-p95'],
    answeredWithKillSwitch: false,
  },
  latency: {
    name: 'latency',
    description: 'the dependency slows down: every call takes 4.5 s',
    calls: CALLS,
    call: () => ({ error: false, policyDenied: false, durationMs: 4500 }),
    malformedRecords: 0,
    expectedRules: ['latency-p95'],
    answeredWithKillSwitch: false,
  },
};

export function isDrillScenario(name: string): name is DrillScenarioName {
  return Object.hasOwn(DRILL_SCENARIOS, name);
}
