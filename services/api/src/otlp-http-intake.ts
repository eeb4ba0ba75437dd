import { gunzipSync } from 'node:zlib';
import type { ApiResponse, Route } from './http-api.js';
import { exportResponseBytes, RpcCode, rpcStatusBytes } from './otlp-status.js';
import type { IntakeAnswer, OtlpTraceIntake } from './otlp-trace-intake.js';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

type Encoding = 'otlp_proto' | 'otlp_json';

/**
 * POST /v1/traces as OTLP/HTTP specifies it: protobuf or JSON (gzip allowed), answered in the
 * request's encoding; 400 with a google.rpc.Status for a payload that is not OTLP traces, 413 above
 * the size limit, 429 and 503 with Retry-After when the sink cannot keep up or is down (exporters
 * retry those). /v1/metrics and /v1/logs are answered 404 with a Status that says so: Budgetwatch
 * takes traces only.
 */
export function otlpIntakeRoutes(intake: OtlpTraceIntake): Route[] {
  const { maxBodyBytes } = intake;
  return [
    {
      method: 'POST',
      pattern: '/v1/traces',
      access: 'ingest',
      raw: true,
      maxBodyBytes,
      handle: async ({ body, headers }) => {
        const encoding = encodingOf(headers['content-type']);
        if (encoding === null) {
          intake.reject('unsupported_media_type');
          return { status: 415, body: { error: `Content-Type must be ${PROTOBUF} or ${JSON_TYPE}` } };
        }
        let bytes = body as Buffer;
        if ((headers['content-encoding'] ?? '').toLowerCase() === 'gzip') {
          try {
            bytes = gunzipSync(bytes, { maxOutputLength: maxBodyBytes });
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
              intake.reject('too_large');
              return status(encoding, 413, `decompressed body larger than ${maxBodyBytes} bytes`);
            }
            intake.reject('bad_payload');
            return status(encoding, 400, 'body is not valid gzip');
          }
        }
        return httpAnswer(encoding, await intake.export(bytes, encoding));
      },
    },
    ...['/v1/metrics', '/v1/logs'].map(
      (pattern): Route => ({
        method: 'POST',
        pattern,
        // It writes nothing: whoever sends metrics or logs here learns where they should go.
        access: 'open',
        raw: true,
        maxBodyBytes,
        handle: async ({ headers }) =>
          status(
            encodingOf(headers['content-type']) ?? 'otlp_json',
            404,
            `Budgetwatch accepts traces only (POST /v1/traces); send ${pattern.slice(4)} to another OTLP backend`,
            RpcCode.UNIMPLEMENTED,
          ),
      }),
    ),
  ];
}

function encodingOf(contentType: string | undefined): Encoding | null {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === PROTOBUF ? 'otlp_proto' : mediaType === JSON_TYPE ? 'otlp_json' : null;
}

function httpAnswer(encoding: Encoding, answer: IntakeAnswer): ApiResponse {
  switch (answer.kind) {
    case 'accepted':
      return exportResponse(encoding, answer.rejectedSpans, answer.errorMessage);
    case 'refused':
      return status(encoding, 400, answer.message);
    case 'busy':
    case 'unavailable': {
      const answered = status(encoding, answer.kind === 'busy' ? 429 : 503, answer.message);
      return {
        ...answered,
        headers: { ...answered.headers, 'retry-after': String(answer.retryAfterSeconds) },
      };
    }
  }
}

/**
 * ExportTraceServiceResponse: empty when every span was kept, else partial_success with how many
 * spans were refused and why (OTLP/HTTP: the exporter must not retry those).
 */
function exportResponse(encoding: Encoding, rejected: number, message: string): ApiResponse {
  if (encoding === 'otlp_json') {
    const body =
      rejected === 0 ? {} : { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } };
    return { status: 200, body, headers: contentHeader(encoding) };
  }
  return { status: 200, body: exportResponseBytes(rejected, message), headers: contentHeader(encoding) };
}

function contentHeader(encoding: Encoding): Record<string, string> {
  return { 'content-type': encoding === 'otlp_proto' ? PROTOBUF : JSON_TYPE };
}

/** A google.rpc.Status body in the request's encoding. */
function status(
  encoding: Encoding,
  httpStatus: number,
  message: string,
  code: number = RpcCode.INVALID_ARGUMENT,
): ApiResponse {
  return {
    status: httpStatus,
    body: encoding === 'otlp_json' ? { code, message } : rpcStatusBytes(code, message),
    headers: contentHeader(encoding),
  };
}
