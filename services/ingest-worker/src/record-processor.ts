import {
  type CoverageTally,
  compileRecognizer,
  DEFAULT_MAX_LATENCY_MS,
  type ExtractionContext,
  extractToolCalls,
  MAX_WINDOW_MS,
  type PositionedCall,
  type SpanPlausibility,
} from '@budgetwatch/domain';
import type { DeadLetter } from '@budgetwatch/kafka';
import { decodeTraceRecord, OtlpDecodeError } from '@budgetwatch/otlp';
import { countExtraction, type IngestMetrics, increment } from './ingest-metrics.js';

/** A Kafka record as the processor needs it (kafkajs messages fit). */
export interface SpanRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export type { DeadLetter };

/** How spans are recognised as tool calls: the compiled profiles and the perspective that counts. */
export type Recognition = Pick<ExtractionContext, 'recognizer' | 'perspective'>;

/** The built-in profiles, counting client-side spans. */
export const DEFAULT_RECOGNITION: Recognition = { recognizer: compileRecognizer(), perspective: 'client' };

/** What both ingest paths accept as a measurable span: within the largest window, and plausible. */
export function spanPlausibility(maxLatencyMs = DEFAULT_MAX_LATENCY_MS): SpanPlausibility {
  return { maxAgeMs: MAX_WINDOW_MS, maxLatencyMs };
}

export interface ProcessedRecords {
  calls: PositionedCall[];
  deadLetters: DeadLetter[];
}

/**
 * Decodes and classifies a batch's records. A record that cannot be decoded (or whose processing
 * throws) becomes a dead letter; it never fails the batch, so a poison record is never retried. The
 * spans of a record that cannot be read become a dead letter of their own, and its others count.
 */
export function processRecords(
  records: readonly SpanRecord[],
  context: ExtractionContext,
  metrics: IngestMetrics,
  /** Where the batch's telemetry coverage is tallied, span by span (docs/contract.md#telemetry-coverage). */
  coverage?: CoverageTally,
): ProcessedRecords {
  const calls: PositionedCall[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const record of records) {
    metrics.records += 1;
    const offset = Number(record.offset);
    try {
      const { spans, unreadable } = decodeTraceRecord(record.value, contentTypeOf(record));
      // Spans that cannot be read go to the dead letters on their own; the record's others count.
      for (const bad of unreadable) {
        increment(metrics.deadLettered, bad.reason);
        deadLetters.push({
          record: { ...record, value: Buffer.from(bad.bytes) },
          reason: bad.reason,
          detail: `${bad.count} of the record's spans: ${bad.detail}`,
        });
      }
      metrics.spans += spans.length;
      const extractions = extractToolCalls(spans, context);
      for (let i = 0; i < extractions.length; i++) {
        const extraction = extractions[i] as (typeof extractions)[number];
        countExtraction(metrics, extraction);
        coverage?.add(spans[i] as (typeof spans)[number], extraction);
        if (extraction.kind === 'call') calls.push({ call: extraction.call, offset });
      }
    } catch (error) {
      const reason = error instanceof OtlpDecodeError ? error.reason : 'processing_error';
      increment(metrics.deadLettered, reason);
      deadLetters.push({ record, reason, detail: error instanceof Error ? error.message : String(error) });
    }
  }
  if (coverage !== undefined) {
    metrics.callsWithoutStatus += coverage.callsWithoutStatus;
    metrics.lookAlikeSpans += coverage.lookAlikeSpans;
  }
  return { calls, deadLetters };
}

function contentTypeOf(record: SpanRecord): string | undefined {
  const header = record.headers?.['content-type'] ?? record.headers?.['Content-Type'];
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined ? undefined : value.toString();
}
