import { type OtlpSignal, otlpExportService } from '@budgetwatch/api';
import {
  type ChannelCredentials,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import protobuf from 'protobufjs';

/** `authorization: Bearer <token>` metadata, as OTEL_EXPORTER_OTLP_HEADERS makes it. */
export function bearerMetadata(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** The OpenTelemetry JS OTLP/gRPC trace exporter, as an agent configures it. */
export function grpcTraceExporter(
  address: string,
  options: { token?: string; gzip?: boolean; credentials?: ChannelCredentials } = {},
): OTLPTraceExporter {
  return new OTLPTraceExporter({
    url: `${options.credentials === undefined ? 'http' : 'https'}://${address}`,
    metadata: bearerMetadata(options.token),
    compression: options.gzip === true ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
}

export interface GrpcExportResult {
  error: ServiceError | null;
  /** The response message's bytes, on success. */
  response: Buffer | null;
}

/**
 * One unary Export call with `bytes` as the request message (sent as they are), for what the
 * SDK's exporter would not send: malformed payloads, oversized ones, other signals.
 */
export function grpcExport(
  address: string,
  bytes: Uint8Array,
  options: { token?: string; gzip?: boolean; signal?: OtlpSignal } = {},
): Promise<GrpcExportResult> {
  const Client = makeGenericClientConstructor(otlpExportService(options.signal ?? 'traces'), 'ExportService');
  const client = new Client(address, credentials.createInsecure(), {
    'grpc.default_compression_algorithm': options.gzip === true ? 2 : 0,
  });
  const call = client.Export as NonNullable<typeof client.Export>;
  return new Promise((resolve) => {
    call.call(
      client,
      Buffer.from(bytes),
      bearerMetadata(options.token),
      { deadline: Date.now() + 15_000 },
      (error: ServiceError | null, response?: Buffer) => {
        client.close();
        resolve({ error, response: response ?? null });
      },
    );
  });
}

const statusTypes = protobuf.Root.fromJSON({
  nested: {
    Status: {
      fields: {
        code: { type: 'int32', id: 1 },
        message: { type: 'string', id: 2 },
        details: { rule: 'repeated', type: 'Any', id: 3 },
      },
    },
    Any: { fields: { typeUrl: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
    RetryInfo: { fields: { retryDelay: { type: 'Duration', id: 1 } } },
    Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    PartialSuccess: {
      fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } },
    },
    ExportTraceServiceResponse: { fields: { partialSuccess: { type: 'PartialSuccess', id: 1 } } },
  },
});

/** The retry delay, in seconds, of the google.rpc.RetryInfo in an error's status details, if any. */
export function retryDelaySeconds(error: ServiceError): number | undefined {
  const [details] = error.metadata.get('grpc-status-details-bin');
  if (!Buffer.isBuffer(details)) return undefined;
  const status = statusTypes.lookupType('Status').toObject(statusTypes.lookupType('Status').decode(details), {
    longs: Number,
  }) as { code: number; details?: { typeUrl: string; value: Uint8Array }[] };
  if (status.code !== error.code) return undefined;
  const retryInfo = status.details?.find((detail) => detail.typeUrl.endsWith('/google.rpc.RetryInfo'));
  if (retryInfo === undefined) return undefined;
  const type = statusTypes.lookupType('RetryInfo');
  const decoded = type.toObject(type.decode(retryInfo.value), { longs: Number }) as {
    retryDelay?: { seconds?: number };
  };
  return decoded.retryDelay?.seconds;
}

/** The partial_success of an ExportTraceServiceResponse, or null when it is unset (full success). */
export function partialSuccess(response: Buffer): { rejectedSpans: number; errorMessage: string } | null {
  const type = statusTypes.lookupType('ExportTraceServiceResponse');
  const decoded = type.toObject(type.decode(response), { longs: Number }) as {
    partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
  };
  if (decoded.partialSuccess === undefined) return null;
  return {
    rejectedSpans: decoded.partialSuccess.rejectedSpans ?? 0,
    errorMessage: decoded.partialSuccess.errorMessage ?? '',
  };
}
