import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../run-process.js';

/** PEM files of a certificate authority and of a server certificate it signed for 127.0.0.1. */
export interface ThrowawayCertificates {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * A new CA and a server certificate for 127.0.0.1 (subjectAltName IP), valid for a day, made with
 * the `openssl` CLI in a new temporary directory that the caller deletes. Every call makes a
 * different CA, so a second call is a CA that the first server's certificate does not chain to.
 */
export async function createThrowawayCertificates(): Promise<ThrowawayCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'budgetwatch-tls-'));
  const file = (name: string) => join(dir, name);
  const caFile = file('ca.crt');
  const certFile = file('server.crt');
  const keyFile = file('server.key');
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...key,
    '-keyout',
    file('ca.key'),
    '-out',
    caFile,
    '-days',
    '1',
    '-subj',
    '/CN=Budgetwatch throwaway test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl(['req', ...key, '-keyout', keyFile, '-out', file('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(
    file('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n',
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    caFile,
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '1',
    '-extfile',
    file('server.ext'),
  ]);
  return { dir, caFile, certFile, keyFile };
}

async function openssl(args: readonly string[]): Promise<void> {
  const result = await runProcess('openssl', args);
  if (result.code !== 0) throw new Error(`openssl ${args[0]} failed (exit ${result.code}): ${result.output}`);
}
