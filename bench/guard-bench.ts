import type { Logger } from '@budgetwatch/logger';
import type { BenchBed } from './bench-bed.js';
import {
  CALL_INTERVAL_MS,
  ENFORCE_TRIALS,
  measureEnforcement,
  SPAN_EXPORT_DELAY_MS,
} from './enforcement-bench.js';
import { measureGuardOverhead, OVERHEAD_CALLS_PER_ROUND, OVERHEAD_ROUNDS } from './guard-overhead-bench.js';
import { type BenchRow, formatNumber } from './report.js';

export interface GuardFigures {
  enforce_p50_ms: number;
  enforce_p99_ms: number;
  enforce_detect_p50_ms: number;
  enforce_detect_p99_ms: number;
  enforce_after_detect_p50_ms: number;
  enforce_after_detect_p99_ms: number;
  enforce_topic_p50_ms: number;
  enforce_topic_p99_ms: number;
  enforce_topic_after_detect_p50_ms: number;
  enforce_topic_after_detect_p99_ms: number;
  guard_overhead_us_per_call: number;
  guard_overhead_no_sdk_us_per_call: number;
  guard_overhead_no_export_us_per_call: number;
  guard_unguarded_us_per_call: number;
  guard_guarded_us_per_call: number;
}

/** The target of issue 18: enforced within 2 s of detection. */
const AFTER_DETECTION_TARGET_MS = 2000;

/** Enforcement latency through @budgetwatch/mcp-guard, and the guard's cost per call. */
export async function runGuardBench(
  bed: BenchBed,
  logger: Logger,
): Promise<{ rows: BenchRow[]; figures: GuardFigures }> {
  const enforcement = await measureEnforcement(bed, logger);
  const overhead = await measureGuardOverhead(bed);
  const tenth = (value: number) => Math.round(value * 10) / 10;
  const figures: GuardFigures = {
    enforce_p50_ms: Math.round(enforcement.enforce.p50),
    enforce_p99_ms: Math.round(enforcement.enforce.p99),
    enforce_detect_p50_ms: Math.round(enforcement.detect.p50),
    enforce_detect_p99_ms: Math.round(enforcement.detect.p99),
    enforce_after_detect_p50_ms: Math.round(enforcement.afterDetect.p50),
    enforce_after_detect_p99_ms: Math.round(enforcement.afterDetect.p99),
    enforce_topic_p50_ms: Math.round(enforcement.enforceViaTopic.p50),
    enforce_topic_p99_ms: Math.round(enforcement.enforceViaTopic.p99),
    enforce_topic_after_detect_p50_ms: Math.round(enforcement.afterDetectViaTopic.p50),
    enforce_topic_after_detect_p99_ms: Math.round(enforcement.afterDetectViaTopic.p99),
    guard_overhead_us_per_call: tenth(overhead.guardedUs - overhead.unguardedUs),
    guard_overhead_no_sdk_us_per_call: tenth(overhead.guardedNoSdkUs - overhead.unguardedUs),
    guard_overhead_no_export_us_per_call: tenth(overhead.guardedNoExportUs - overhead.unguardedUs),
    guard_unguarded_us_per_call: tenth(overhead.unguardedUs),
    guard_guarded_us_per_call: tenth(overhead.guardedUs),
  };
  const ms = (value: number) => `${formatNumber(value)} ms`;
  const us = (value: number) => `${formatNumber(value)} us`;
  const rows: BenchRow[] = [
    {
      name: `enforcement p50 (first failing call -> first call routed to the fallback, ${ENFORCE_TRIALS} trials; a call every ${CALL_INTERVAL_MS} ms, spans exported every ${SPAN_EXPORT_DELAY_MS} ms, the guard on the API's SSE stream)`,
      value: enforcement.enforce.p50,
      unit: 'ms',
      comparison: `detection in the same trials (first failing call -> traffic.frozen readable): ${ms(enforcement.detect.p50)}`,
    },
    {
      name: 'enforcement p99',
      value: enforcement.enforce.p99,
      unit: 'ms',
      comparison: `detection p99: ${ms(enforcement.detect.p99)}`,
    },
    {
      name: 'enforcement after detection p50 (traffic.frozen readable -> first call routed to the fallback)',
      value: enforcement.afterDetect.p50,
      unit: 'ms',
    },
    {
      name: 'enforcement after detection p99',
      value: enforcement.afterDetect.p99,
      unit: 'ms',
      target: `<= ${formatNumber(AFTER_DETECTION_TARGET_MS)}`,
      met: enforcement.afterDetect.p99 <= AFTER_DETECTION_TARGET_MS,
    },
    {
      name: 'the same guard on the compacted topic instead (KafkaDecisionFeed): enforcement p50',
      value: enforcement.enforceViaTopic.p50,
      unit: 'ms',
      comparison: `p99 ${ms(enforcement.enforceViaTopic.p99)}`,
    },
    {
      name: 'on the compacted topic: enforcement after detection p99',
      value: enforcement.afterDetectViaTopic.p99,
      unit: 'ms',
      comparison: `p50 ${ms(enforcement.afterDetectViaTopic.p50)}`,
      target: `<= ${formatNumber(AFTER_DETECTION_TARGET_MS)}`,
      met: enforcement.afterDetectViaTopic.p99 <= AFTER_DETECTION_TARGET_MS,
    },
    {
      name: `guard overhead per call (in-memory MCP pair; median of ${OVERHEAD_ROUNDS} rounds of ${formatNumber(OVERHEAD_CALLS_PER_ROUND)} calls; spans exported to Kafka)`,
      value: overhead.guardedUs - overhead.unguardedUs,
      unit: 'us',
      comparison: `unguarded ${us(overhead.unguardedUs)}, guarded ${us(overhead.guardedUs)} per call`,
    },
    {
      name: 'guard overhead per call, no OTel SDK installed',
      value: overhead.guardedNoSdkUs - overhead.unguardedUs,
      unit: 'us',
      comparison: `guarded ${us(overhead.guardedNoSdkUs)} per call`,
    },
    {
      name: 'guard overhead per call, OTel SDK recording spans, none exported',
      value: overhead.guardedNoExportUs - overhead.unguardedUs,
      unit: 'us',
      comparison: `guarded ${us(overhead.guardedNoExportUs)} per call`,
    },
  ];
  return { rows, figures };
}
