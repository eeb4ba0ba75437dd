export {
  checkDrillTimeout,
  type DrillCheck,
  type DrillReport,
  DrillRunner,
  type DrillRunnerOptions,
  drillTool,
} from './drill-runner.js';
export { drillCalls, sendDrillSpans, type TimedDrillCall } from './drill-spans.js';
export { type DrillPass, RedisDrillResults } from './redis-drill-results.js';
