import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { isIP } from 'node:net';
import { type BudgetwatchConfig, ConfigError } from '@budgetwatch/config';

/** Whether `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/**
 * Spans drive freezes and incidents, so whoever can send them acts on production. An intake bound
 * beyond loopback must authenticate its clients (a bearer token, or client certificates), unless
 * the configuration says in so many words that it accepts spans from anyone.
 */
export function requireAuthenticatedIntake(config: BudgetwatchConfig): void {
  const { host, intakeToken, intakeTls, intakeUnauthenticated } = config.http;
  const authenticated = intakeToken !== undefined || intakeTls?.clientCaFile !== undefined;
  if (authenticated || intakeUnauthenticated || isLoopbackHost(host)) return;
  throw new ConfigError([
    {
      source: { kind: 'default' },
      path: 'http.intakeToken',
      reason:
        `the OTLP intake would accept spans from anyone on ${host}: set BUDGETWATCH_INTAKE_TOKEN (or ` +
        'client certificates with BUDGETWATCH_INTAKE_TLS_CLIENT_CA_FILE), or BUDGETWATCH_INTAKE_UNAUTHENTICATED=true to accept that',
    },
  ]);
}

/** HTTPS options of the intake from its settings, or undefined for plain HTTP. */
export function intakeTlsOptions(config: BudgetwatchConfig): ServerOptions | undefined {
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
    ...(tls.clientCaFile === undefined
      ? {}
      : { ca: [read('clientCaFile', tls.clientCaFile)], requestCert: true, rejectUnauthorized: true }),
  };
}
