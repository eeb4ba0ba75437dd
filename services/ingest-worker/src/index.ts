export { IngestQueueFullError, InProcessIngest, type InProcessIngestOptions } from './in-process-ingest.js';
export { emptyIngestMetrics, type IngestMetrics } from './ingest-metrics.js';
export { IngestWorker, type IngestWorkerOptions } from './ingest-worker.js';
export {
  DEFAULT_RECOGNITION,
  type DeadLetter,
  type ProcessedRecords,
  processRecords,
  type Recognition,
  type SpanRecord,
  spanPlausibility,
} from './record-processor.js';
