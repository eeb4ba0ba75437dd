import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '../free-port.js';
import { createThrowawayCertificates, type ThrowawayCertificates } from '../tls/throwaway-certificates.js';
import { WaitAbortedError, waitFor } from '../wait-for.js';
import { answersPing } from './ensure-redis.js';

export interface PrivateRedisOptions {
  /** requirepass: clients must AUTH with it. */
  password?: string;
  /** Append-only file on, so a restart keeps the data. */
  appendOnly?: boolean;
  /**
   * TLS only (no plaintext port), with a certificate for 127.0.0.1 from a throwaway CA; clients
   * need not present certificates.
   */
  tls?: boolean;
}

export interface PrivateRedis {
  port: number;
  /** redis://[:password@]127.0.0.1:port, or rediss:// with `tls` */
  url: string;
  /** With `tls`: the CA that signed the server's certificate, for clients to trust. */
  caFile?: string;
  /** Stops the server and keeps its data directory (for restart). */
  halt(): Promise<void>;
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free loopback port (never the shared one): for passwords,
 * persistence and restarts that the shared server must not see.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'budgetwatch-redis-'));
  const certificates = options.tls === true ? await createThrowawayCertificates() : undefined;
  const args = [
    ...(certificates === undefined ? ['--port', String(port)] : tlsArguments(port, certificates)),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly === true ? 'yes' : 'no',
    ...(options.password === undefined ? [] : ['--requirepass', options.password]),
  ];
  const url = `${certificates === undefined ? 'redis' : 'rediss'}://${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`}127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  const launch = async () => {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    server = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new WaitAbortedError(`redis-server exited with code ${child.exitCode}`);
        return answersPing(
          url,
          certificates === undefined ? undefined : { ca: [readFileSync(certificates.caFile)] },
        );
      },
      { description: `redis-server on port ${port}`, timeoutMs: 15_000, intervalMs: 50 },
    );
  };
  const halt = async () => {
    const child = server;
    server = undefined;
    if (child === undefined || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  await launch();
  return {
    port,
    url,
    ...(certificates === undefined ? {} : { caFile: certificates.caFile }),
    halt,
    restart: launch,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
      if (certificates !== undefined) rmSync(certificates.dir, { recursive: true, force: true });
    },
  };
}

function tlsArguments(port: number, certificates: ThrowawayCertificates): string[] {
  return [
    '--port',
    '0',
    '--tls-port',
    String(port),
    '--tls-cert-file',
    certificates.certFile,
    '--tls-key-file',
    certificates.keyFile,
    '--tls-ca-cert-file',
    certificates.caFile,
    '--tls-auth-clients',
    'no',
  ];
}
