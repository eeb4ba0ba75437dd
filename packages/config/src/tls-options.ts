import type { ConnectionOptions } from 'node:tls';
import type { TlsConfig } from './schema.js';

export type ReadPem = (path: string) => string;

/** Node TLS options from TLS settings; PEM files are read through `readPem` so callers stay testable. */
export function tlsConnectionOptions(tls: TlsConfig | undefined, readPem: ReadPem): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: tls?.rejectUnauthorized ?? true };
  if (tls?.caFile !== undefined) options.ca = [readPem(tls.caFile)];
  if (tls?.certFile !== undefined) options.cert = readPem(tls.certFile);
  if (tls?.keyFile !== undefined) options.key = readPem(tls.keyFile);
  return options;
}
