import { randomBytes } from 'node:crypto';
import { recordContentKey } from '@budgetwatch/domain';
import type { IngestMetrics } from '@budgetwatch/ingest-worker';
import { IngestWorker } from '@budgetwatch/ingest-worker';
import { createLogger } from '@budgetwatch/logger';
import { decodeTraces } from '@budgetwatch/otlp';
import type { RedisClient } from '@budgetwatch/redis';
import { RedisCoverageStore, RedisWindowStore } from '@budgetwatch/window-store';
import { Redis } from 'ioredis';
import type { BenchBed } from './bench-bed.js';
import { mixedRecords, produceRecords, SPANS_PER_RECORD, toolCallRecords } from './ingest-workload.js';
import { usedMemory } from './redis-memory.js';
import { type BenchRow, formatNumber } from './report.js';

const RECORDS = 10_000;
/** Records of the mixed run (95% of their spans are not tool calls). */
const MIXED_RECORDS = 5_000;
const DISTINCT_RECORDS = 200;
const PARTITIONS = 6;
const DECODE_SPANS = 1_000_000;
const THRESHOLDS_MS = [3000];
/** The worker's defaults; the reference consumers fetch the same way. */
const CONSUMER = { maxBatchBytes: 8 * 1024 * 1024, partitionsConcurrency: 3 };
/**
 * Rounds of two worker runs, one with deduplication and one without, in alternating order so that
 * neither gets the warmer machine. Other work on the machine only ever slows a run (in rate and in
 * CPU time per span, through shared caches): each setting's figures are its best run's.
 */
const WORKER_ROUNDS = 4;
/** Record contents claimed to measure what a claim costs Redis. */
const CLAIMS_MEASURED = 200_000;

export interface IngestFigures {
  /** With deduplication (the default), the best of WORKER_ROUNDS runs. */
  worker_spans_per_s: number;
  worker_spans_per_s_without_dedupe: number;
  /** How much slower the worker counts with deduplication than without (best runs, this run). */
  dedupe_overhead_pct: number;
  /** The worker process's CPU time per span, with and without deduplication (least of its runs). */
  worker_cpu_us_per_span: number;
  worker_cpu_us_per_span_without_dedupe: number;
  /** The same cost in CPU time, which a busy machine blurs less than rates. */
  dedupe_cpu_overhead_pct: number;
  /** used_memory growth per claimed record content (one key with a TTL). */
  dedupe_redis_bytes_per_record: number;
  decode_spans_per_s: number;
  decode_in_memory_spans_per_s: number;
  kafkajs_ceiling_spans_per_s: number;
  redis_commands_per_batch: number;
  redis_series_writes_per_batch: number;
  /** One SET per record of the batch, with deduplication. */
  redis_claims_per_batch: number;
  spans_per_batch: number;
  worker_peak_rss_mb: number;
  mixed_spans_per_s: number;
  mixed_decode_spans_per_s: number;
}

/** How fast one consumer gets from its first finished batch to the last record. */
interface StreamRate {
  spansPerSecond: number;
  elapsedMs: number;
  /** CPU time of this process (user and system) per span over the same stretch, microseconds. */
  cpuMicrosPerSpan: number;
}

export async function runIngestBench(bed: BenchBed): Promise<{ rows: BenchRow[]; figures: IngestFigures }> {
  const nowMs = Date.now();
  const pool = toolCallRecords(DISTINCT_RECORDS, nowMs);
  const totalSpans = RECORDS * SPANS_PER_RECORD;

  const inMemoryDecodeRate = measureDecode(pool);
  const topic = await bed.createTopic('ingest', PARTITIONS);
  await produceRecords(bed.kafka, topic, pool, RECORDS, PARTITIONS);
  const ceiling = await measureConsumer(bed, topic, totalSpans, false);
  const decoding = await measureConsumer(bed, topic, totalSpans, true);
  const runs: Record<'with' | 'without', WorkerRun[]> = { with: [], without: [] };
  for (let round = 0; round < WORKER_ROUNDS; round++) {
    for (const dedupe of round % 2 === 0 ? [true, false] : [false, true]) {
      runs[dedupe ? 'with' : 'without'].push(
        await measureWorker(bed, topic, totalSpans, (metrics) => metrics.callsApplied, dedupe),
      );
    }
  }
  const worker = bestRun(runs.with);
  const withoutDedupe = bestRun(runs.without);
  const dedupeOverhead = 1 - worker.rate.spansPerSecond / withoutDedupe.rate.spansPerSecond;
  const cpuWith = Math.min(...runs.with.map((run) => run.rate.cpuMicrosPerSpan));
  const cpuWithout = Math.min(...runs.without.map((run) => run.rate.cpuMicrosPerSpan));
  const cpuOverhead = cpuWith / cpuWithout - 1;
  const claimBytes = await measureClaimBytes(bed);
  const decodeRate = decoding.spansPerSecond;

  // Mostly other traffic, every built-in profile on: recognition must turn it away cheaply.
  const mixedTopic = await bed.createTopic('ingest-mixed', PARTITIONS);
  const mixedSpans = MIXED_RECORDS * SPANS_PER_RECORD;
  await produceRecords(
    bed.kafka,
    mixedTopic,
    mixedRecords(DISTINCT_RECORDS, nowMs),
    MIXED_RECORDS,
    PARTITIONS,
  );
  const mixedDecoding = await measureConsumer(bed, mixedTopic, mixedSpans, true);
  const mixedWorker = await measureWorker(bed, mixedTopic, mixedSpans, spansSettled);
  const ofMixedDecode = mixedWorker.rate.spansPerSecond / mixedDecoding.spansPerSecond;

  const figures: IngestFigures = {
    worker_spans_per_s: Math.round(worker.rate.spansPerSecond),
    worker_spans_per_s_without_dedupe: Math.round(withoutDedupe.rate.spansPerSecond),
    dedupe_overhead_pct: round2(dedupeOverhead * 100),
    worker_cpu_us_per_span: round2(cpuWith),
    worker_cpu_us_per_span_without_dedupe: round2(cpuWithout),
    dedupe_cpu_overhead_pct: round2(cpuOverhead * 100),
    dedupe_redis_bytes_per_record: Math.round(claimBytes),
    decode_spans_per_s: Math.round(decodeRate),
    decode_in_memory_spans_per_s: Math.round(inMemoryDecodeRate),
    kafkajs_ceiling_spans_per_s: Math.round(ceiling.spansPerSecond),
    redis_commands_per_batch: round2(worker.redisCommands / worker.batches),
    redis_series_writes_per_batch: round2(worker.seriesWrites / worker.batches),
    redis_claims_per_batch: round2(worker.claims / worker.batches),
    spans_per_batch: round2(totalSpans / worker.batches),
    worker_peak_rss_mb: Math.round(worker.peakRssMb),
    mixed_spans_per_s: Math.round(mixedWorker.rate.spansPerSecond),
    mixed_decode_spans_per_s: Math.round(mixedDecoding.spansPerSecond),
  };
  const ofDecode = worker.rate.spansPerSecond / decodeRate;
  const ofInMemory = worker.rate.spansPerSecond / inMemoryDecodeRate;
  const ofCeiling = worker.rate.spansPerSecond / ceiling.spansPerSecond;
  const rows: BenchRow[] = [
    {
      name: 'OTLP decode alone, in memory (one core)',
      value: inMemoryDecodeRate,
      unit: 'spans/s',
    },
    {
      name: 'bare kafkajs consumer, same topic',
      value: ceiling.spansPerSecond,
      unit: 'spans/s',
      comparison: 'ceiling',
    },
    {
      name: 'decode only: same consumer + OTLP decode',
      value: decodeRate,
      unit: 'spans/s',
      comparison: `${pct(decodeRate / ceiling.spansPerSecond)} of ceiling`,
    },
    {
      name: `full ingest worker (Kafka -> Redis), best of ${WORKER_ROUNDS}`,
      value: worker.rate.spansPerSecond,
      unit: 'spans/s',
      comparison: `${pct(ofDecode)} of decode only (${pct(ofInMemory)} of in-memory), ${pct(ofCeiling)} of ceiling`,
      target: '>= 100,000 and >= 60% of decode only',
      met: worker.rate.spansPerSecond >= 100_000 && ofDecode >= 0.6,
    },
    {
      name: 'the same worker without deduplication',
      value: withoutDedupe.rate.spansPerSecond,
      unit: 'spans/s',
      comparison: `runs ${runs.without.map((run) => formatNumber(run.rate.spansPerSecond)).join(', ')}; with deduplication ${runs.with.map((run) => formatNumber(run.rate.spansPerSecond)).join(', ')}`,
    },
    {
      name: 'cost of deduplication (dedupe_overhead_pct)',
      value: dedupeOverhead * 100,
      unit: '%',
      comparison: `best runs; each round: ${runs.with.map((run, round) => pct(1 - run.rate.spansPerSecond / (runs.without[round]?.rate.spansPerSecond ?? 0))).join(', ')}; one claim per record of ${SPANS_PER_RECORD} spans`,
    },
    {
      name: 'worker CPU per span, with deduplication (least)',
      value: cpuWith,
      unit: 'µs',
      comparison: `${round2(cpuWithout)} µs without: ${pct(cpuOverhead)} more (dedupe_cpu_overhead_pct)`,
    },
    {
      name: 'Redis memory per record claimed',
      value: claimBytes,
      unit: 'bytes',
      comparison: `${formatNumber(CLAIMS_MEASURED)} claims; kept for ingest.dedupeWindowMs`,
    },
    {
      name: 'mixed traffic (95% not tool calls): decode only',
      value: mixedDecoding.spansPerSecond,
      unit: 'spans/s',
    },
    {
      name: 'mixed traffic: full ingest worker',
      value: mixedWorker.rate.spansPerSecond,
      unit: 'spans/s',
      comparison: `${pct(ofMixedDecode)} of decode only, every built-in profile on`,
      target: '>= 60% of decode only',
      met: ofMixedDecode >= 0.6,
    },
    {
      name: 'worker peak RSS during the run',
      value: worker.peakRssMb,
      unit: 'MiB',
      comparison: `${CONSUMER.partitionsConcurrency} partitions of <= ${CONSUMER.maxBatchBytes / 1024 / 1024} MiB in flight`,
    },
    {
      name: 'Redis commands per batch',
      value: figures.redis_commands_per_batch,
      unit: 'commands',
      comparison: `${figures.spans_per_batch} spans, ${figures.redis_series_writes_per_batch} series writes, ${figures.redis_claims_per_batch} record claims per batch`,
    },
  ];
  return { rows, figures };
}

function measureDecode(pool: readonly Buffer[]): number {
  const run = (spans: number) => {
    let decoded = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; decoded < spans; i++) decoded += decodeTraces(pool[i % pool.length]).length;
    return (decoded * 1e9) / Number(process.hrtime.bigint() - started);
  };
  run(DECODE_SPANS / 4);
  return run(DECODE_SPANS);
}

/** Polls `progress` (spans seen) and times from the first finished batch to `total`. */
async function timeStream(progress: () => number, total: number): Promise<StreamRate> {
  const deadline = Date.now() + 300_000;
  let firstSpans = 0;
  let firstAt = 0n;
  let firstCpu = process.cpuUsage();
  for (;;) {
    const seen = progress();
    if (firstAt === 0n && seen > 0) {
      firstAt = process.hrtime.bigint();
      firstCpu = process.cpuUsage();
      firstSpans = seen;
    }
    if (seen >= total) {
      const elapsedNs = Number(process.hrtime.bigint() - firstAt);
      const cpu = process.cpuUsage(firstCpu);
      return {
        spansPerSecond: ((total - firstSpans) * 1e9) / elapsedNs,
        elapsedMs: elapsedNs / 1e6,
        cpuMicrosPerSpan: (cpu.user + cpu.system) / (total - firstSpans),
      };
    }
    if (Date.now() > deadline) throw new Error(`stream stalled at ${seen} of ${total} spans`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * A kafkajs consumer reading the topic the way the worker does; `decode` adds OTLP decoding of
 * every record and nothing else (no classification, no Redis).
 */
async function measureConsumer(
  bed: BenchBed,
  topic: string,
  totalSpans: number,
  decode: boolean,
): Promise<StreamRate> {
  const consumer = bed.kafka.consumer({
    groupId: `bwbench-${decode ? 'decode' : 'bare'}-${Date.now()}`,
    maxBytesPerPartition: CONSUMER.maxBatchBytes,
    maxBytes: CONSUMER.maxBatchBytes * CONSUMER.partitionsConcurrency,
  });
  let spans = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachBatchAutoResolve: false,
    autoCommitInterval: 1000,
    partitionsConsumedConcurrently: CONSUMER.partitionsConcurrency,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      if (decode) {
        for (const message of batch.messages) spans += decodeTraces(message.value).length;
      } else {
        spans += batch.messages.length * SPANS_PER_RECORD;
      }
      resolveOffset(batch.lastOffset());
      await heartbeat();
      await commitOffsetsIfNecessary();
    },
  });
  const rate = await timeStream(() => spans, totalSpans);
  await consumer.disconnect();
  return rate;
}

/** Spans whose fate is settled: written as calls, or not counted (nothing else in the mixed run). */
function spansSettled(metrics: IngestMetrics): number {
  return metrics.callsApplied + metrics.notToolCalls + metrics.duplicateCalls + metrics.otherPerspective;
}

interface WorkerRun {
  rate: StreamRate;
  batches: number;
  redisCommands: number;
  seriesWrites: number;
  claims: number;
  peakRssMb: number;
}

/** The run of highest rate. */
function bestRun(runs: readonly WorkerRun[]): WorkerRun {
  const best = [...runs].sort((a, b) => b.rate.spansPerSecond - a.rate.spansPerSecond)[0];
  if (best === undefined) throw new Error('no worker run');
  return best;
}

/**
 * A fresh worker (group, Redis prefix) over the whole topic until `progress` reaches `total`, with
 * deduplication (the default) or without.
 */
async function measureWorker(
  bed: BenchBed,
  topic: string,
  total: number,
  progress: (metrics: IngestMetrics) => number,
  dedupe = true,
): Promise<WorkerRun> {
  const namespace = await bed.redisNamespace(dedupe ? 'ingest' : 'ingest-no-dedupe');
  const commands = countCommands(namespace.client);
  const dlq = await bed.createTopic('ingest-dlq', 1);
  const worker = new IngestWorker({
    kafka: bed.kafka,
    store: new RedisWindowStore(namespace.client, namespace.prefix, { thresholdsMs: THRESHOLDS_MS }),
    // As `budgetwatch ingest-worker` runs it: the batch's telemetry coverage goes to Redis too.
    coverage: new RedisCoverageStore(namespace.client, namespace.prefix),
    logger: createLogger({ name: 'bench-ingest', level: 'warn' }),
    spanTopics: [topic],
    deadLetterTopic: dlq,
    groupId: `bwbench-worker-${Date.now()}`,
    latencyThresholdsMs: THRESHOLDS_MS,
    partitionsConcurrency: CONSUMER.partitionsConcurrency,
    maxBatchBytes: CONSUMER.maxBatchBytes,
    ...(dedupe ? {} : { dedupeWindowMs: 0 }),
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  await worker.start();
  const rate = await timeStream(() => progress(worker.metrics), total);
  clearInterval(sampler);
  await worker.stop();
  return {
    rate,
    batches: worker.metrics.batches,
    redisCommands: commands.count(),
    seriesWrites: commands.count('evalsha') + commands.count('eval'),
    claims: commands.count('set'),
    peakRssMb: peakRss / 1024 / 1024,
  };
}

/**
 * What one claimed record costs Redis: used_memory before and after claiming CLAIMS_MEASURED
 * contents the way a worker does (positions of a real span topic's length), per claim.
 */
async function measureClaimBytes(bed: BenchBed): Promise<number> {
  const namespace = await bed.redisNamespace('claims');
  const store = new RedisWindowStore(namespace.client, namespace.prefix, { thresholdsMs: THRESHOLDS_MS });
  const source = { topic: 'otlp_spans', partition: 5 };
  const perBatch = 2000;
  const before = await usedMemory(namespace.client);
  for (let first = 0; first < CLAIMS_MEASURED; first += perBatch) {
    const claims = Array.from({ length: perBatch }, (_, i) => ({
      contentKey: recordContentKey(randomBytes(32)),
      source,
      offset: 10_000_000 + first + i,
    }));
    await store.claimRecords(claims, 600_000);
  }
  return ((await usedMemory(namespace.client)) - before) / CLAIMS_MEASURED;
}

/** Counts the commands a client sends (pipelined ones included), by name. */
function countCommands(client: RedisClient): { count(name?: string): number } {
  // A cluster client hands pipelines to its node connections, past its own sendCommand.
  if (!(client instanceof Redis)) throw new Error('commands are counted on a single Redis server');
  const redis = client;
  const counts = new Map<string, number>();
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, ...rest) => {
    counts.set(command.name, (counts.get(command.name) ?? 0) + 1);
    return send(command, ...rest);
  }) as Redis['sendCommand'];
  return {
    count: (name) =>
      name === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(name) ?? 0),
  };
}

const pct = (ratio: number) => `${Math.round(ratio * 100)}%`;
const round2 = (value: number) => Math.round(value * 100) / 100;
