import type { ConnectionOptions } from 'node:tls';
import type { TlsConfig } from './schema.js';

export type ReadPem = (path: string) => string;

/**
 * Node TLS options from TLS settings; PEM files are read through `readPem` so callers stay
 * testable. `settings` names where they came from (`redis.tls`, `kafka.ssl`): a file that cannot
 * be read is reported with the setting that names it.
 */
export function tlsConnectionOptions(
  tls: TlsConfig | undefined,
  readPem: ReadPem,
  settings = 'tls',
): ConnectionOptions {
  const read = (field: 'caFile' | 'certFile' | 'keyFile', path: string) => {
    try {
      return readPem(path);
    } catch (error) {
      throw new Error(`cannot read ${settings}.${field} ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  const options: ConnectionOptions = { rejectUnauthorized: tls?.rejectUnauthorized ?? true };
  if (tls?.caFile !== undefined) options.ca = [read('caFile', tls.caFile)];
  if (tls?.certFile !== undefined) options.cert = read('certFile', tls.certFile);
  if (tls?.keyFile !== undefined) options.key = read('keyFile', tls.keyFile);
  return options;
}
