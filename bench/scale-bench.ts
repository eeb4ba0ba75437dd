import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { BenchBed } from './bench-bed.js';
import { produceRecords, SPANS_PER_RECORD, toolCallRecords } from './ingest-workload.js';
import type { BenchRow } from './report.js';

const RECORDS = 20_000;
const DISTINCT_RECORDS = 200;
const PARTITIONS = 8;
const WORKER_COUNTS = [1, 2, 4] as const;
const CLI = fileURLToPath(new URL('../services/cli/src/main.ts', import.meta.url));

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
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    BUDGETWATCH_LOG_LEVEL: 'warn',
    KAFKA_BROKERS: bed.brokers.join(','),
    REDIS_URL: bed.redisUrl,
    REDIS_KEY_PREFIX: namespace.prefix,
    BUDGETWATCH_SPAN_TOPICS: topic,
    BUDGETWATCH_DLQ_TOPIC: `${topic}.dlq`,
    BUDGETWATCH_INGEST_GROUP_ID: groupId,
    BUDGETWATCH_INGEST_COMMIT_INTERVAL_MS: '200',
  };
  const processes: ChildProcess[] = Array.from({ length: workers }, () =>
    spawn('node', ['--conditions=@budgetwatch/source', '--import', 'tsx', CLI, 'ingest-worker'], {
      env,
      stdio: 'ignore',
    }),
  );
  try {
    const ends = await bed.admin.fetchTopicOffsets(topic);
    const total = ends.reduce((sum, partition) => sum + Number(partition.high), 0);
    const committed = async () => {
      const [offsets] = await bed.admin.fetchOffsets({ groupId, topics: [topic] });
      return (offsets?.partitions ?? []).reduce(
        (sum, partition) => sum + Math.max(0, Number(partition.offset)),
        0,
      );
    };
    const deadline = Date.now() + 600_000;
    let first: { records: number; at: number } | undefined;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${workers} workers did not finish within 10 minutes`);
      const done = await committed();
      if (first === undefined && done > 0) first = { records: done, at: performance.now() };
      if (done >= total && first !== undefined) {
        const seconds = (performance.now() - first.at) / 1000;
        return ((total - first.records) * SPANS_PER_RECORD) / seconds;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  }
}
