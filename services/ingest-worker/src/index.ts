export { IngestQueueFullError, InProcessIngest, type InProcessIngestOptions } from './in-process-ingest.js';
export { emptyIngestMetrics, type IngestMetrics } from './ingest-metrics.js';
export { IngestWorker, type IngestWorkerOptions } from './ingest-worker.js';
export {
  type DeadLetter,
  type ProcessedRecords,
  processRecords,
  type SpanRecord,
} from './record-processor.js';
