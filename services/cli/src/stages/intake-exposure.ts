import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { IntakeTls } from '@budgetwatch/api';
import { type BudgetwatchConfig, ConfigError } from '@budgetwatch/config';

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/**
 * Spans drive freezes and incidents, so whoever can send them acts on production. The intakes
 * (OTLP/HTTP and OTLP/gRPC share the bind, the token and the certificates) bound beyond loopback
 * must authenticate their clients (a bearer token, or client certificates), unless the
 * configuration says in so many words that they accept spans from anyone.
 */
export function requireAuthenticatedIntake(config: BudgetwatchConfig): void {
  const { host, intakeToken, intakeTls, intakeUnauthenticated, otlpGrpcEnabled } = config.http;
  const intakes = otlpGrpcEnabled ? 'the OTLP/HTTP and OTLP/gRPC intakes' : 'the OTLP/HTTP intake';
  const authenticated = intakeToken !== undefined || intakeTls?.clientCaFile !== undefined;
  if (authenticated || intakeUnauthenticated || isLoopbackHost(host)) return;
  throw new ConfigError([
    {
      source: { kind: 'default' },
      path: 'http.intakeToken',
      reason:
        `${intakes} would accept spans from anyone on ${host}: set BUDGETWATCH_INTAKE_TOKEN (or ` +
        'client certificates with BUDGETWATCH_INTAKE_TLS_CLIENT_CA_FILE), or BUDGETWATCH_INTAKE_UNAUTHENTICATED=true to accept that',
    },
  ]);
}

/** The intakes' TLS from their settings (both transports use it), or undefined for plaintext. */
export function intakeTls(config: BudgetwatchConfig): IntakeTls | undefined {
  const tls = config.http.intakeTls;
  if (tls === undefined) return undefined;
  const read = (field: keyof typeof tls, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read http.intakeTls.${field} ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  return {
    cert: read('certFile', tls.certFile),
    key: read('keyFile', tls.keyFile),
    clientCa: tls.clientCaFile === undefined ? null : read('clientCaFile', tls.clientCaFile),
  };
}
