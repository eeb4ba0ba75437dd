import { gunzipSync } from 'node:zlib';
import type { Logger } from '@budgetwatch/logger';
import { type ExportRecords, exportRecords, OtlpDecodeError } from '@budgetwatch/otlp';
import { observeCounts } from '@budgetwatch/telemetry';
import protobuf from 'protobufjs';
import { ExportWrites } from './export-writes.js';
import type { ApiResponse, Route } from './http-api.js';

/** Where accepted requests go: the span topic in production. */
export interface SpanRecordSink {
  send(records: readonly Uint8Array[]): Promise<void>;
}

export interface OtlpIntakeOptions {
  sink: SpanRecordSink;
  /** Larger request bodies (after gunzip too) get 413. */
  maxBodyBytes?: number;
  /** Each Kafka record stays under this (the broker's message limit). */
  maxRecordBytes?: number;
  /** Bytes being written to the sink at once; beyond, requests get 429 with Retry-After. */
  maxInFlightBytes?: number;
  /** How long a request waits for the sink before it is answered 503 (the write goes on). */
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
  /** 429 (too much in flight) and 503 (the sink failed or did not answer in time). */
  requestsThrottled: number;
  /** Retries of exports already written (or being written): answered without writing again. */
  retriesRecognised: number;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
/** google.rpc.Code INVALID_ARGUMENT. */
const INVALID_ARGUMENT = 3;

/**
 * POST /v1/traces as OTLP/HTTP specifies it: protobuf or JSON (gzip allowed), answered in the
 * request's encoding; 400 with a google.rpc.Status for a payload that is not OTLP traces, 413 above
 * the size limit, 429 and 503 with Retry-After when the sink cannot keep up or is down (exporters
 * retry those). Accepted requests become span-topic records exactly as the Collector writes them.
 */
export function otlpIntakeRoutes(options: OtlpIntakeOptions, metrics: IntakeMetrics): Route[] {
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxRecordBytes = options.maxRecordBytes ?? 900_000;
  const maxInFlightBytes = options.maxInFlightBytes ?? 64 * 1024 * 1024;
  const sinkWaitMs = options.sinkWaitMs ?? 5000;
  let lastFailureLog = 0;
  let failuresSinceLog = 0;
  const writes = new ExportWrites(options.sink, {
    rememberMs: options.retryMemoryMs ?? 10 * 60_000,
    maxRemembered: 100_000,
    onFailure: (error) => {
      failuresSinceLog += 1;
      if (Date.now() - lastFailureLog < 10_000) return;
      options.logger?.warn(
        { err: error, failures: failuresSinceLog },
        'spans not written to the span topic; answering 503',
      );
      lastFailureLog = Date.now();
      failuresSinceLog = 0;
    },
  });
  observeIntakeMetrics(metrics);
  const reject = (reason: string, response: ApiResponse): ApiResponse => {
    metrics.requestsRejected[reason] = (metrics.requestsRejected[reason] ?? 0) + 1;
    return response;
  };
  return [
    {
      method: 'POST',
      pattern: '/v1/traces',
      access: 'ingest',
      raw: true,
      maxBodyBytes,
      handle: async ({ body, headers }) => {
        const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        const encoding =
          contentType === PROTOBUF ? 'otlp_proto' : contentType === JSON_TYPE ? 'otlp_json' : null;
        if (encoding === null) {
          return reject('unsupported_media_type', {
            status: 415,
            body: { error: `Content-Type must be ${PROTOBUF} or ${JSON_TYPE}` },
          });
        }
        let bytes = body as Buffer;
        if ((headers['content-encoding'] ?? '').toLowerCase() === 'gzip') {
          try {
            bytes = gunzipSync(bytes, { maxOutputLength: maxBodyBytes });
          } catch (error) {
            const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
            return tooLarge
              ? reject(
                  'too_large',
                  status(encoding, 413, `decompressed body larger than ${maxBodyBytes} bytes`),
                )
              : reject('bad_payload', status(encoding, 400, 'body is not valid gzip'));
          }
        }
        let built: ExportRecords;
        try {
          built = exportRecords(bytes, encoding, maxRecordBytes);
        } catch (error) {
          if (!(error instanceof OtlpDecodeError)) throw error;
          return reject('bad_payload', status(encoding, 400, `not OTLP trace data: ${error.message}`));
        }
        for (const [reason, count] of Object.entries(built.rejections)) {
          metrics.spansRejected[reason] = (metrics.spansRejected[reason] ?? 0) + count;
        }
        if (built.acceptedSpans === 0 && built.rejectedSpans > 0) {
          // Nothing in it can ever be written: a retry would be refused the same way.
          return reject(
            'bad_payload',
            status(encoding, 400, `no span can be accepted: ${built.firstRejection}`),
          );
        }
        if (built.records.length > 0) {
          const key = ExportWrites.keyOf(bytes, encoding);
          const retry = writes.has(key);
          const size = built.records.reduce((sum, record) => sum + record.length, 0);
          if (!retry && writes.inFlightBytes + size > maxInFlightBytes) {
            metrics.requestsThrottled += 1;
            return {
              ...status(encoding, 429, 'too many spans in flight; retry'),
              headers: { ...contentHeader(encoding), 'retry-after': '1' },
            };
          }
          if (retry) metrics.retriesRecognised += 1;
          const outcome = await writes.write(key, built.records, sinkWaitMs);
          if (outcome !== 'written') {
            metrics.requestsThrottled += 1;
            return {
              ...status(
                encoding,
                503,
                outcome === 'pending'
                  ? 'the span topic did not answer in time; retry'
                  : 'the span topic is unavailable; retry',
              ),
              headers: { ...contentHeader(encoding), 'retry-after': '5' },
            };
          }
        }
        metrics.requestsAccepted += 1;
        metrics.spansAccepted += built.acceptedSpans;
        return exportResponse(encoding, built);
      },
    },
  ];
}

/**
 * ExportTraceServiceResponse: empty when every span was kept, else partial_success with how many
 * spans were refused and why (OTLP/HTTP: the exporter must not retry those).
 */
function exportResponse(encoding: 'otlp_proto' | 'otlp_json', built: ExportRecords): ApiResponse {
  const rejected = built.rejectedSpans;
  const message = built.firstRejection ?? '';
  if (encoding === 'otlp_json') {
    const body =
      rejected === 0 ? {} : { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } };
    return { status: 200, body, headers: contentHeader(encoding) };
  }
  if (rejected === 0) return { status: 200, body: Buffer.alloc(0), headers: contentHeader(encoding) };
  const partial = protobuf.Writer.create().uint32(8).int64(rejected).uint32(18).string(message).finish();
  const body = protobuf.Writer.create().uint32(10).bytes(partial).finish();
  return { status: 200, body: Buffer.from(body), headers: contentHeader(encoding) };
}

function contentHeader(encoding: 'otlp_proto' | 'otlp_json'): Record<string, string> {
  return { 'content-type': encoding === 'otlp_proto' ? PROTOBUF : JSON_TYPE };
}

/** A google.rpc.Status body in the request's encoding. */
function status(encoding: 'otlp_proto' | 'otlp_json', httpStatus: number, message: string): ApiResponse {
  if (encoding === 'otlp_json') {
    return {
      status: httpStatus,
      body: { code: INVALID_ARGUMENT, message },
      headers: contentHeader(encoding),
    };
  }
  const bytes = protobuf.Writer.create()
    .uint32(8)
    .int32(INVALID_ARGUMENT)
    .uint32(18)
    .string(message)
    .finish();
  return { status: httpStatus, body: Buffer.from(bytes), headers: contentHeader(encoding) };
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
      description: 'OTLP/HTTP export requests accepted',
      read: () => metrics.requestsAccepted,
    },
    {
      name: 'budgetwatch.intake.spans_accepted',
      description: 'Spans in accepted OTLP/HTTP requests',
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
      description: 'OTLP/HTTP requests refused, by reason',
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
      description: 'OTLP/HTTP requests answered 429 or 503 (retry later)',
      read: () => metrics.requestsThrottled,
    },
  ]);
}
