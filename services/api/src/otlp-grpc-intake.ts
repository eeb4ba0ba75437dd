import { isIP } from 'node:net';
import type { Logger } from '@budgetwatch/logger';
import {
  Metadata,
  Server,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
  setLogger,
  status,
} from '@grpc/grpc-js';
import { bearerTokenMatches } from './bearer-token.js';
import { grpcServerCredentials, type IntakeTls } from './intake-tls.js';
import { exportResponseBytes, rpcStatusBytes } from './otlp-status.js';
import type { IntakeAnswer, OtlpTraceIntake } from './otlp-trace-intake.js';

export interface OtlpGrpcIntakeOptions {
  /** The same intake the OTLP/HTTP routes serve. */
  intake: OtlpTraceIntake;
  /** The bearer token exporters must send in `authorization` metadata; null: none asked. */
  token: string | null;
  /** TLS, and client certificates when it names a client CA; plaintext without. */
  tls?: IntakeTls;
  logger: Logger;
}

/** The OTLP/gRPC services, by signal: Budgetwatch serves `traces` and answers the others. */
const EXPORT_PATHS = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
} as const;

export type OtlpSignal = keyof typeof EXPORT_PATHS;

/**
 * A signal's unary Export whose request and response stay bytes (the intake decodes them
 * itself); for clients too, with `makeGenericClientConstructor`.
 */
export function otlpExportService(signal: OtlpSignal): ServiceDefinition {
  const identity = (bytes: Buffer) => bytes;
  return {
    Export: {
      path: EXPORT_PATHS[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

/**
 * OTLP/gRPC for traces (`opentelemetry.proto.collector.trace.v1.TraceService/Export`), a transport
 * over the same OtlpTraceIntake as OTLP/HTTP: gzip or deflate compressed messages (the gRPC library
 * decompresses them, bounded by the intake's size limit), the bearer token in `authorization`
 * metadata checked before the message is read, and the intake's answers in gRPC status codes as
 * the OTLP specification maps them (docs/contract.md#the-otlp-intake).
 */
export class OtlpGrpcIntake {
  private server: Server | undefined;

  constructor(private readonly options: OtlpGrpcIntakeOptions) {
    // The library writes its own errors to stderr; they belong in the JSON log with the rest.
    const library = options.logger.child({ library: 'grpc-js' });
    setLogger({
      error: (message: unknown) => library.warn(String(message)),
      info: (message: unknown) => library.info(String(message)),
      debug: (message: unknown) => library.debug(String(message)),
    });
  }

  /** Listens on `host` (loopback unless told otherwise); resolves with the port. */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const { intake, tls } = this.options;
    const server = new Server({
      'grpc.max_receive_message_length': intake.maxBodyBytes,
      interceptors: [this.authenticate],
    });
    server.addService(otlpExportService('traces'), {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        intake.export(call.request, 'otlp_proto').then(
          (answer) => answerCall(answer, callback),
          (error: unknown) => {
            this.options.logger.error({ err: error, path: EXPORT_PATHS.traces }, 'request failed');
            callback({ code: status.INTERNAL, details: 'internal error' });
          },
        );
      },
    });
    for (const signal of ['metrics', 'logs'] as const) {
      server.addService(otlpExportService(signal), {
        Export: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
          callback({
            code: status.UNIMPLEMENTED,
            details: `Budgetwatch accepts traces only (TraceService/Export); send ${signal} to another OTLP backend`,
          }),
      });
    }
    const address = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, grpcServerCredentials(tls), (error, boundPort) => {
        if (error === null) return resolve(boundPort);
        // The library's message wraps the reason (listen EADDRINUSE ...) in its own words.
        const reason = /\[(.*)\]$/.exec(error.message)?.[1] ?? error.message;
        reject(new Error(`OTLP/gRPC intake on ${address}: ${reason}`, { cause: error }));
      });
    });
    this.server = server;
    return bound;
  }

  /** Stops taking calls and lets calls in progress finish (their writes may be waiting on Kafka), for up to `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    const timer = setTimeout(() => server.forceShutdown(), graceMs);
    timer.unref();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    clearTimeout(timer);
  }

  /** Refuses a trace export without the token as soon as its metadata arrives, before its message is read. */
  private readonly authenticate: ServerInterceptor = (method, call) => {
    const { token } = this.options;
    if (token === null || method.path !== EXPORT_PATHS.traces) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, proceed) => {
            const [authorization] = metadata.get('authorization');
            if (typeof authorization === 'string' && bearerTokenMatches(authorization, token)) {
              proceed(metadata);
              return;
            }
            call.sendStatus({
              code: status.UNAUTHENTICATED,
              details: 'a valid bearer token is required in the authorization metadata',
              metadata: new Metadata(),
            });
          },
        }),
    });
  };
}

/** The intake's answer as the OTLP specification maps it onto gRPC. */
function answerCall(answer: IntakeAnswer, callback: sendUnaryData<Buffer>): void {
  switch (answer.kind) {
    case 'accepted':
      callback(null, exportResponseBytes(answer.rejectedSpans, answer.errorMessage));
      return;
    case 'refused':
      callback({ code: status.INVALID_ARGUMENT, details: answer.message });
      return;
    case 'busy':
    case 'unavailable':
      callback(retryLater(answer.message, answer.retryAfterSeconds));
      return;
  }
}

/** UNAVAILABLE (retryable) with a google.rpc.RetryInfo saying when, as OTLP/gRPC throttling asks. */
function retryLater(message: string, retryAfterSeconds: number): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', rpcStatusBytes(status.UNAVAILABLE, message, retryAfterSeconds));
  return { code: status.UNAVAILABLE, details: message, metadata };
}
