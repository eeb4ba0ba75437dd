import type { Logger } from '@budgetwatch/logger';
import { type ExportRecords, exportRecords, OtlpDecodeError } from '@budgetwatch/otlp';
import { observeCounts } from '@budgetwatch/telemetry';
import { ExportWrites } from './export-writes.js';

/** Where accepted requests go: the span topic in production. */
export interface SpanRecordSink {
  send(records: readonly Uint8Array[]): Promise<void>;
}

export interface OtlpIntakeOptions {
  sink: SpanRecordSink;
  /** Larger requests (after decompression too) are refused: 413 over HTTP, RESOURCE_EXHAUSTED over gRPC. */
  maxBodyBytes?: number;
  /** Each Kafka record stays under this (the broker's message limit). */
  maxRecordBytes?: number;
  /** Bytes being written to the sink at once; beyond, requests are asked to retry in a second. */
  maxInFlightBytes?: number;
  /** How long a request waits for the sink before it is answered "retry" (the write goes on). */
  sinkWaitMs?: number;
  /** How long a written export is remembered, so that an exporter's retry of it writes nothing. */
  retryMemoryMs?: number;
  /** Where failed writes to the sink are reported (at most one line every 10 s). */
  logger?: Logger;
}

export interface IntakeMetrics {
  requestsAccepted: number;
  spansAccepted: number;
  /** Spans refused on their own (their requests' other spans kept), by reason. */
  spansRejected: Record<string, number>;
  /** Rejected requests by reason (bad_payload, too_large, unsupported_media_type). */
  requestsRejected: Record<string, number>;
  /** Asked to retry: too much in flight, or the sink failed or did not answer in time. */
  requestsThrottled: number;
  /** Retries of exports already written (or being written): answered without writing again. */
  retriesRecognised: number;
}

/** Why a request was refused whole; a retry of it would be refused the same way. */
export type RequestRejection = 'bad_payload' | 'too_large' | 'unsupported_media_type';

/**
 * What the intake makes of one export request, for a transport to answer in its own terms
 * (docs/contract.md#the-otlp-intake):
 * - `accepted`: written, bar `rejectedSpans` refused on their own (OTLP partial_success);
 * - `refused`: nothing in it can ever be written; do not retry;
 * - `busy`: too much is in flight; retry after `retryAfterSeconds`;
 * - `unavailable`: the sink failed or did not take the write in time; retry after `retryAfterSeconds`.
 */
export type IntakeAnswer =
  | { kind: 'accepted'; rejectedSpans: number; errorMessage: string }
  | { kind: 'refused'; message: string }
  | { kind: 'busy' | 'unavailable'; message: string; retryAfterSeconds: number };

/**
 * The OTLP trace intake behind every transport (OTLP/HTTP and OTLP/gRPC): checks what it will
 * write before it answers, refuses poison span by span, writes accepted requests to the sink as
 * span-topic records exactly as the Collector writes them, bounds what is in flight and how long a
 * request waits, and recognises an exporter's retry of an export it already wrote.
 */
export class OtlpTraceIntake {
  readonly maxBodyBytes: number;
  private readonly maxRecordBytes: number;
  private readonly maxInFlightBytes: number;
  private readonly sinkWaitMs: number;
  private readonly writes: ExportWrites;
  private lastFailureLog = 0;
  private failuresSinceLog = 0;

  constructor(
    options: OtlpIntakeOptions,
    readonly metrics: IntakeMetrics = emptyIntakeMetrics(),
  ) {
    this.maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
    this.maxRecordBytes = options.maxRecordBytes ?? 900_000;
    this.maxInFlightBytes = options.maxInFlightBytes ?? 64 * 1024 * 1024;
    this.sinkWaitMs = options.sinkWaitMs ?? 5000;
    this.writes = new ExportWrites(options.sink, {
      rememberMs: options.retryMemoryMs ?? 10 * 60_000,
      maxRemembered: 100_000,
      onFailure: (error) => {
        this.failuresSinceLog += 1;
        if (Date.now() - this.lastFailureLog < 10_000) return;
        options.logger?.warn(
          { err: error, failures: this.failuresSinceLog },
          'spans not written to the span topic; asking exporters to retry',
        );
        this.lastFailureLog = Date.now();
        this.failuresSinceLog = 0;
      },
    });
    observeIntakeMetrics(metrics);
  }

  /** Counts a request its transport refused before it reached `export` (media type, size, compression). */
  reject(reason: RequestRejection): void {
    this.metrics.requestsRejected[reason] = (this.metrics.requestsRejected[reason] ?? 0) + 1;
  }

  /** Takes one export request: its bytes as sent, decompressed, in `encoding`. */
  async export(bytes: Uint8Array, encoding: 'otlp_proto' | 'otlp_json'): Promise<IntakeAnswer> {
    const { metrics } = this;
    let built: ExportRecords;
    try {
      built = exportRecords(bytes, encoding, this.maxRecordBytes);
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      this.reject('bad_payload');
      return { kind: 'refused', message: `not OTLP trace data: ${error.message}` };
    }
    for (const [reason, count] of Object.entries(built.rejections)) {
      metrics.spansRejected[reason] = (metrics.spansRejected[reason] ?? 0) + count;
    }
    if (built.acceptedSpans === 0 && built.rejectedSpans > 0) {
      this.reject('bad_payload');
      return { kind: 'refused', message: `no span can be accepted: ${built.firstRejection}` };
    }
    if (built.records.length > 0) {
      const key = ExportWrites.keyOf(bytes, encoding);
      const retry = this.writes.has(key);
      const size = built.records.reduce((sum, record) => sum + record.length, 0);
      if (!retry && this.writes.inFlightBytes + size > this.maxInFlightBytes) {
        metrics.requestsThrottled += 1;
        return { kind: 'busy', message: 'too many spans in flight; retry', retryAfterSeconds: 1 };
      }
      if (retry) metrics.retriesRecognised += 1;
      const outcome = await this.writes.write(key, built.records, this.sinkWaitMs);
      if (outcome !== 'written') {
        metrics.requestsThrottled += 1;
        return {
          kind: 'unavailable',
          message:
            outcome === 'pending'
              ? 'the span topic did not answer in time; retry'
              : 'the span topic is unavailable; retry',
          retryAfterSeconds: 5,
        };
      }
    }
    metrics.requestsAccepted += 1;
    metrics.spansAccepted += built.acceptedSpans;
    return { kind: 'accepted', rejectedSpans: built.rejectedSpans, errorMessage: built.firstRejection ?? '' };
  }
}

export function emptyIntakeMetrics(): IntakeMetrics {
  return {
    requestsAccepted: 0,
    spansAccepted: 0,
    spansRejected: {},
    requestsRejected: {},
    requestsThrottled: 0,
    retriesRecognised: 0,
  };
}

function observeIntakeMetrics(metrics: IntakeMetrics): void {
  observeCounts('budgetwatch.intake', [
    {
      name: 'budgetwatch.intake.requests_accepted',
      description: 'OTLP export requests accepted (HTTP and gRPC)',
      read: () => metrics.requestsAccepted,
    },
    {
      name: 'budgetwatch.intake.spans_accepted',
      description: 'Spans in accepted OTLP export requests',
      read: () => metrics.spansAccepted,
    },
    {
      name: 'budgetwatch.intake.spans_rejected',
      description: 'Spans refused on their own (the rest of their requests kept), by reason',
      read: () => metrics.spansRejected,
      label: 'reason',
    },
    {
      name: 'budgetwatch.intake.requests_rejected',
      description: 'OTLP export requests refused, by reason',
      read: () => metrics.requestsRejected,
      label: 'reason',
    },
    {
      name: 'budgetwatch.intake.retries_recognised',
      description: 'Retries of exports already written or being written, answered without writing again',
      read: () => metrics.retriesRecognised,
    },
    {
      name: 'budgetwatch.intake.requests_throttled',
      description: 'OTLP export requests asked to retry later (HTTP 429 or 503, gRPC UNAVAILABLE)',
      read: () => metrics.requestsThrottled,
    },
  ]);
}
