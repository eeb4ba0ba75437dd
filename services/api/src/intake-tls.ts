import type { ServerOptions } from 'node:https';
import { ServerCredentials } from '@grpc/grpc-js';

/**
 * The intake's TLS, PEM text: its certificate and key, and the CA whose certificates clients
 * must present (mTLS), or null when any client may connect.
 */
export interface IntakeTls {
  cert: string;
  key: string;
  clientCa: string | null;
}

/** HTTPS options of the OTLP/HTTP intake: with a client CA, a client without its certificate fails the handshake. */
export function httpsServerOptions(tls: IntakeTls): ServerOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa === null ? {} : { ca: [tls.clientCa], requestCert: true, rejectUnauthorized: true }),
  };
}

/** Credentials of the OTLP/gRPC intake, with the same rule as httpsServerOptions; plaintext without TLS. */
export function grpcServerCredentials(tls: IntakeTls | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.clientCa === null ? null : Buffer.from(tls.clientCa),
    [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
    tls.clientCa !== null,
  );
}
