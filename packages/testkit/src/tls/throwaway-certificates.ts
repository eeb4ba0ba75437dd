import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../run-process.js';

/**
 * PEM files of a certificate authority, of a server certificate it signed for 127.0.0.1, and of a
 * client certificate it signed (for mTLS).
 */
export interface ThrowawayCertificates {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

/**
 * A new CA, a server certificate for 127.0.0.1 (subjectAltName IP) and a client certificate, valid
 * for a day, made with the `openssl` CLI in a new temporary directory that the caller deletes.
 * Every call makes a different CA, so a second call is a CA that the first server's certificate
 * does not chain to.
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
  const sign = (name: string, extensions: string) => {
    writeFileSync(file(`${name}.ext`), extensions);
    return openssl([
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      caFile,
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file(`${name}.crt`),
      '-days',
      '1',
      '-extfile',
      file(`${name}.ext`),
    ]);
  };
  await sign(
    'server',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n',
  );
  const clientKeyFile = file('client.key');
  await openssl(['req', ...key, '-keyout', clientKeyFile, '-out', file('client.csr'), '-subj', '/CN=agent']);
  await sign(
    'client',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
  );
  return { dir, caFile, certFile, keyFile, clientCertFile: file('client.crt'), clientKeyFile };
}

async function openssl(args: readonly string[]): Promise<void> {
  const result = await runProcess('openssl', args);
  if (result.code !== 0) throw new Error(`openssl ${args[0]} failed (exit ${result.code}): ${result.output}`);
}
