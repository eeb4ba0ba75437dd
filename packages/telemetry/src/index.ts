export { type ObservedCount, observeCounts } from './observed-counters.js';
export { startTelemetry, type Telemetry, type TelemetryOptions } from './start-telemetry.js';
export { durationHistogram, traced } from './traced.js';
