export {
  checkDrillTimeout,
  type DrillCheck,
  type DrillReport,
  DrillRunner,
  type DrillRunnerOptions,
} from './drill-runner.js';
export { sendDrillSpans } from './drill-spans.js';
export { type DrillPass, RedisDrillResults } from './redis-drill-results.js';
