export { type AdmittedCalls, admitCalls } from './admit-calls.js';
export { type BatchWriteResult, FenceCache, writeBatchExactlyOnce } from './apply-batch.js';
export { FORGET_EVERY_MS } from './forget-schedule.js';
export { InMemoryWindowStore } from './memory/in-memory-window-store.js';
export type { RecordClaim } from './record-claim.js';
export { RedisWindowStore } from './redis/redis-window-store.js';
export { WindowKeys } from './redis/window-keys.js';
export type { CoverageStore } from './telemetry-coverage/coverage-store.js';
export { InMemoryCoverageStore } from './telemetry-coverage/in-memory-coverage-store.js';
export { RedisCoverageStore } from './telemetry-coverage/redis-coverage-store.js';
export { type ServerWindows, type ToolWindow, WindowReader } from './window-reader.js';
export type {
  AdmissionRequest,
  ApplyOutcome,
  ReadWindowOptions,
  SourcePartition,
  StoredBucket,
  WindowStore,
  WindowStoreOptions,
} from './window-store.js';
