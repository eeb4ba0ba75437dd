import { randomUUID } from 'node:crypto';
import { committedRecords, producedRecords } from '@budgetwatch/testkit';
import type { BenchBed } from './bench-bed.js';
import { produceRecords, SPANS_PER_RECORD, toolCallRecords } from './ingest-workload.js';
import type { BenchRow } from './report.js';
import { ingestWorkerEnvironment, spawnIngestWorker, stopProcess } from './worker-processes.js';

const RECORDS = 20_000;
const DISTINCT_RECORDS = 200;
const PARTITIONS = 8;
const WORKER_COUNTS = [1, 2, 4] as const;

export interface ScaleFigures {
  spans_per_s_1_worker: number;
  spans_per_s_2_workers: number;
  spans_per_s_4_workers: number;
}

/**
 * Horizontal ingest: 1, 2 and 4 `budgetwatch ingest-worker` processes in one consumer group on a
 * topic of 8 partitions, each run a fresh group and Redis prefix over the same 2,000,000 spans.
 * The rate is timed from the group's first committed progress to its last record.
 */
export async function runScaleBench(bed: BenchBed): Promise<{ rows: BenchRow[]; figures: ScaleFigures }> {
  const topic = await bed.createTopic('scale', PARTITIONS);
  await produceRecords(bed.kafka, topic, toolCallRecords(DISTINCT_RECORDS, Date.now()), RECORDS, PARTITIONS);
  const rates = new Map<number, number>();
  for (const workers of WORKER_COUNTS) rates.set(workers, await measure(bed, topic, workers));
  const single = rates.get(1) ?? 0;
  const cores = (await import('node:os')).availableParallelism();
  const rows: BenchRow[] = WORKER_COUNTS.map((workers) => {
    const rate = rates.get(workers) ?? 0;
    return {
      name: `${workers} worker process${workers === 1 ? '' : 'es'} (${PARTITIONS} partitions, ${cores} cores)`,
      value: rate,
      unit: 'spans/s',
      comparison:
        workers === 1
          ? 'ceiling of one process'
          : `${Math.round((rate / single) * 100)}% of 1 worker, per-worker efficiency ${Math.round((rate / (workers * single)) * 100)}%`,
    };
  });
  return {
    rows,
    figures: {
      spans_per_s_1_worker: Math.round(rates.get(1) ?? 0),
      spans_per_s_2_workers: Math.round(rates.get(2) ?? 0),
      spans_per_s_4_workers: Math.round(rates.get(4) ?? 0),
    },
  };
}

async function measure(bed: BenchBed, topic: string, workers: number): Promise<number> {
  const namespace = await bed.redisNamespace(`scale-${workers}`);
  const groupId = `bwbench-scale-${workers}-${randomUUID()}`;
  const env = ingestWorkerEnvironment(
    bed,
    {
      topic,
      deadLetterTopic: await bed.createTopic(`scale-${workers}-dlq`, 1),
      groupId,
      keyPrefix: namespace.prefix,
    },
    { BUDGETWATCH_INGEST_COMMIT_INTERVAL_MS: '200' },
  );
  const processes = Array.from({ length: workers }, () => spawnIngestWorker(env).process);
  try {
    const total = await producedRecords(bed.admin, topic);
    const deadline = Date.now() + 600_000;
    let first: { records: number; at: number } | undefined;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${workers} workers did not finish within 10 minutes`);
      const done = await committedRecords(bed.admin, groupId, topic).catch((error: unknown) => {
        // A coordinator still loading the new group's offsets, on a busy machine: ask again.
        if ((error as { retriable?: unknown }).retriable === true) return first?.records ?? 0;
        throw error;
      });
      if (first === undefined && done > 0) first = { records: done, at: performance.now() };
      if (done >= total && first !== undefined) {
        const seconds = (performance.now() - first.at) / 1000;
        return ((total - first.records) * SPANS_PER_RECORD) / seconds;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await Promise.all(processes.map((child) => stopProcess(child, 'SIGTERM')));
  }
}
