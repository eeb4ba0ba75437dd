export {
  checkDrillTimeout,
  type DrillCheck,
  type DrillReport,
  DrillRunner,
  type DrillRunnerOptions,
  drillTool,
  type KillSwitchSummary,
} from './drill-runner.js';
export { drillCalls, sendDrillSpans, type TimedDrillCall } from './drill-spans.js';
export { PROBE_TOOL, type StartedProbe, startGuardedProbe } from './guarded-probe.js';
export {
  type ControlOutcome,
  DRILL_KILL_SWITCH_CHECKS,
  drillActor,
  drillKillSwitch,
  type GuardedProbe,
  KILL_SWITCH_BOUND_MS,
  type KillSwitchControl,
  type KillSwitchDrillOptions,
  type KillSwitchOutcome,
} from './kill-switch-drill.js';
export { type DrillPass, RedisDrillResults } from './redis-drill-results.js';
