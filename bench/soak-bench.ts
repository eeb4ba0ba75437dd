import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { committedRecords, producedRecords, residentMemoryMiB, waitFor } from '@budgetwatch/testkit';
import { RedisWindowStore } from '@budgetwatch/window-store';
import { expectedCounts, SPANS_PER_RECORD, toolCallRecord } from '../test/support/tool-call-records.js';
import { readWindowCounts } from '../test/support/window-counts.js';
import type { BenchBed } from './bench-bed.js';
import { distinctRecord } from './ingest-workload.js';
import type { BenchRow } from './report.js';
import {
  ingestWorkerEnvironment,
  spawnIngestWorker,
  stopProcess,
  type WorkerGroup,
} from './worker-processes.js';

const PARTITIONS = 4;
const SPANS_PER_SECOND = 20_000;
const KILL_EVERY_MS = 60_000;
const SAMPLE_EVERY_MS = 2_000;
const SEND_EVERY_MS = 100;
/** Spans of record r end up to 50 minutes back; 30 records cover every age, and 100 spans repeat. */
const DISTINCT_RECORDS = 30;
/** Growth over the soak beyond this share of a worker's peak counts as growth, not noise. */
const GROWTH_TOLERANCE = 0.1;

export interface SoakFigures {
  soak_minutes: number;
  soak_spans_per_s: number;
  soak_worker_kills: number;
  soak_rss_growth_mb: number;
  soak_rss_trend_mb_per_life: number;
  soak_warmup_peak_rss_mb: number;
  soak_spans_produced: number;
  soak_spans_counted: number;
  soak_counts_exact: number;
  /** Peak RSS of each worker process, in the order they ran. */
  soak_life_peak_rss_mb: number[];
  /** RSS of each worker process at its last sample, just before it was stopped. */
  soak_life_end_rss_mb: number[];
  /** RSS of the running worker every SAMPLE_EVERY_MS. */
  soak_rss_mb_every_2s: number[];
}

/** One worker process from its start to its kill. */
interface WorkerLife {
  process: ChildProcess;
  startedMs: number;
  rssMb: number[];
  /** Set before the soak stops it, so only other exits count as failures. */
  stopping: boolean;
}

/**
 * A steady load for `minutes` (BENCH_SOAK_MINUTES, default 10) with the only worker SIGKILLed and
 * replaced every minute, sampling its resident memory. Each process starts from nothing, so lives
 * are compared with each other: the first is the warm-up, and the peak of every later life must not
 * grow. At the end the windows must hold every produced span exactly once.
 */
export async function runSoakBench(
  bed: BenchBed,
  ceilingSpansPerS: number | undefined,
): Promise<{ rows: BenchRow[]; figures: SoakFigures }> {
  const minutes = Number(process.env.BENCH_SOAK_MINUTES ?? '10');
  if (!(minutes >= 1)) throw new Error(`BENCH_SOAK_MINUTES must be 1 or more, got ${minutes}`);
  const topic = await bed.createTopic('soak', PARTITIONS);
  const namespace = await bed.redisNamespace('soak');
  const group: WorkerGroup = {
    topic,
    deadLetterTopic: await bed.createTopic('soak-dlq', 1),
    groupId: `bwbench-soak-${randomUUID()}`,
    keyPrefix: namespace.prefix,
  };
  // The shortest session the configuration allows: a killed worker's partitions wait this long.
  const env = ingestWorkerEnvironment(bed, group, { BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000' });

  const lives: WorkerLife[] = [];
  const series: number[] = [];
  let failure: Error | undefined;
  const startLife = () => {
    const worker = spawnIngestWorker(env);
    const life: WorkerLife = {
      process: worker.process,
      startedMs: performance.now(),
      rssMb: [],
      stopping: false,
    };
    worker.process.once('exit', (code, signal) => {
      if (life.stopping) return;
      failure ??= new Error(
        `worker ${lives.indexOf(life) + 1} exited on its own (${code ?? signal}): ${worker.outputTail()}`,
      );
    });
    lives.push(life);
    return life;
  };
  const stopLife = async (life: WorkerLife, signal: NodeJS.Signals) => {
    life.stopping = true;
    await stopProcess(life.process, signal);
  };
  let current = startLife();
  const sampler = setInterval(() => {
    const rss = current.process.pid === undefined ? undefined : residentMemoryMiB(current.process.pid);
    if (rss === undefined) return;
    current.rssMb.push(rss);
    series.push(Math.round(rss));
  }, SAMPLE_EVERY_MS);

  const started = performance.now();
  const producing = produceSteadily(bed, topic, minutes * 60_000);
  // Its failure is reported where it is awaited, after the kills; until then it must not crash us.
  producing.catch(() => undefined);
  try {
    for (let minute = 1; minute < minutes && failure === undefined; minute++) {
      await sleep(started + minute * KILL_EVERY_MS - performance.now());
      if (failure !== undefined) break;
      await stopLife(current, 'SIGKILL');
      current = startLife();
    }
    const producedSpans = (await producing) * SPANS_PER_RECORD;
    if (failure !== undefined) throw failure;
    const total = await producedRecords(bed.admin, topic);
    await waitFor(async () => (await committedRecords(bed.admin, group.groupId, topic)) >= total, {
      description: 'the last worker to commit every produced record',
      timeoutMs: 300_000,
      intervalMs: 500,
    });
    clearInterval(sampler);
    await stopLife(current, 'SIGTERM');
    if (failure !== undefined) throw failure;

    const store = new RedisWindowStore(namespace.client, namespace.prefix, { thresholdsMs: [3000] });
    const counted = await readWindowCounts(store);
    const exact =
      counted.rolledUp === producedSpans &&
      isDeepStrictEqual(counted.perTool, Object.fromEntries(expectedCounts(producedSpans)));
    return report(minutes, lives, series, producedSpans, counted.rolledUp, exact, ceilingSpansPerS);
  } finally {
    clearInterval(sampler);
    await stopLife(current, 'SIGKILL');
  }
}

/** Sends records at SPANS_PER_SECOND until `durationMs` has passed; resolves with the count. */
async function produceSteadily(bed: BenchBed, topic: string, durationMs: number): Promise<number> {
  const now = Date.now();
  const pool = Array.from({ length: DISTINCT_RECORDS }, (_, r) => toolCallRecord(r, now));
  const recordsPerMs = SPANS_PER_SECOND / SPANS_PER_RECORD / 1000;
  const producer = bed.kafka.producer();
  await producer.connect();
  const started = performance.now();
  let sent = 0;
  try {
    for (;;) {
      const elapsed = Math.min(performance.now() - started, durationMs);
      const due = Math.floor(elapsed * recordsPerMs) - sent;
      if (due > 0) {
        const messages = Array.from({ length: due }, (_, i) => ({
          value: distinctRecord(pool, sent + i),
          partition: (sent + i) % PARTITIONS,
        }));
        await producer.send({ topic, acks: 1, messages });
        sent += due;
      }
      if (elapsed >= durationMs) return sent;
      await sleep(SEND_EVERY_MS);
    }
  } finally {
    await producer.disconnect();
  }
}

function report(
  minutes: number,
  lives: readonly WorkerLife[],
  series: readonly number[],
  producedSpans: number,
  countedSpans: number,
  exact: boolean,
  ceilingSpansPerS: number | undefined,
): { rows: BenchRow[]; figures: SoakFigures } {
  const peaks = lives.map((life) => Math.max(0, ...life.rssMb));
  const ends = lives.map((life) => life.rssMb[life.rssMb.length - 1] ?? 0);
  const warmPeak = peaks[0] ?? 0;
  const afterWarmUp = peaks.slice(1);
  // A single life's peak moves with the backlog it finds after a kill and with when V8 collects,
  // so growth is read off a line fitted through the peaks after warm-up, first life to last.
  const trend = medianSlope(afterWarmUp);
  const growth = trend * Math.max(0, afterWarmUp.length - 1);
  const meanPeak =
    afterWarmUp.length === 0 ? warmPeak : afterWarmUp.reduce((a, b) => a + b, 0) / afterWarmUp.length;
  const firstPeak = afterWarmUp[0] ?? warmPeak;
  const lastPeak = afterWarmUp[afterWarmUp.length - 1] ?? warmPeak;
  const rows: BenchRow[] = [
    {
      name: `steady load for ${minutes} min, ${PARTITIONS} partitions`,
      value: SPANS_PER_SECOND,
      unit: 'spans/s',
      comparison:
        ceilingSpansPerS === undefined
          ? 'ceiling not measured (scale bench skipped)'
          : `${Math.round((SPANS_PER_SECOND / ceilingSpansPerS) * 100)}% of 1 worker's ceiling (${Math.round(ceilingSpansPerS).toLocaleString('en-US')} spans/s, this run)`,
    },
    ...lives.map((life, index) => ({
      name: `worker ${index + 1} peak RSS (from ${clock(life.startedMs - (lives[0]?.startedMs ?? 0))}${index === 0 ? ', warm-up' : ''}${index < lives.length - 1 ? ', then SIGKILL' : ', then SIGTERM'})`,
      value: peaks[index] ?? 0,
      unit: 'MiB',
      comparison: `${round1(ends[index] ?? 0)} MiB at its last sample${index === 0 ? '' : `; peak ${signed((peaks[index] ?? 0) - warmPeak)} vs warm-up`}`,
    })),
    {
      name: 'RSS growth after warm-up (median-slope line through the peaks)',
      value: growth,
      unit: 'MiB',
      comparison: `${signed(trend)} MiB per worker life; last peak ${signed(lastPeak - firstPeak)} vs first after warm-up`,
      target: `<= ${GROWTH_TOLERANCE * 100}% of the mean peak (${Math.round(meanPeak)} MiB)`,
      met: growth <= meanPeak * GROWTH_TOLERANCE,
    },
    {
      name: `spans counted after ${lives.length - 1} SIGKILLs`,
      value: countedSpans,
      unit: 'spans',
      comparison: `${producedSpans.toLocaleString('en-US')} produced`,
      target: 'exact per series',
      met: exact,
    },
  ];
  return {
    rows,
    figures: {
      soak_minutes: minutes,
      soak_spans_per_s: SPANS_PER_SECOND,
      soak_worker_kills: lives.length - 1,
      soak_rss_growth_mb: round1(growth),
      soak_rss_trend_mb_per_life: round1(trend),
      soak_warmup_peak_rss_mb: round1(warmPeak),
      soak_spans_produced: producedSpans,
      soak_spans_counted: countedSpans,
      soak_counts_exact: exact ? 1 : 0,
      soak_life_peak_rss_mb: peaks.map(round1),
      soak_life_end_rss_mb: ends.map(round1),
      soak_rss_mb_every_2s: [...series],
    },
  };
}

/**
 * The median of the slopes between every two of `values` over their index (Theil-Sen): one life
 * that caught up on a longer backlog does not tilt it. 0 for fewer than two values.
 */
function medianSlope(values: readonly number[]): number {
  const slopes: number[] = [];
  values.forEach((a, i) => {
    values.forEach((b, j) => {
      if (j > i) slopes.push((b - a) / (j - i));
    });
  });
  slopes.sort((a, b) => a - b);
  const middle = Math.floor(slopes.length / 2);
  if (slopes.length === 0) return 0;
  return slopes.length % 2 === 1
    ? (slopes[middle] ?? 0)
    : ((slopes[middle - 1] ?? 0) + (slopes[middle] ?? 0)) / 2;
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const signed = (value: number) => `${value >= 0 ? '+' : ''}${round1(value)}`;
const clock = (ms: number) => {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
};
