import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { WindowSummary } from '@budgetwatch/domain';
import { createThrowawayCertificates, type ThrowawayCertificates, waitFor } from '@budgetwatch/testkit';
import { credentials, status } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAgentCalls } from '../support/agent-spans.js';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { budgetwatchInProcess } from '../support/cli.js';
import { grpcTraceExporter } from '../support/otlp-grpc.js';

const TOKEN = 'intake-token-of-the-agents-0123';

/** An address of this machine that is not loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address;
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function windowOf(instance: BudgetwatchInstance, server: string): Promise<WindowSummary> {
  const body = await instance.getJson<{ window: WindowSummary }>(
    `/api/v1/windows?server=${server}&tool=refund&window=2h`,
  );
  return body.window;
}

async function callsOf(instance: BudgetwatchInstance, server: string): Promise<number> {
  return (await windowOf(instance, server)).calls;
}

/** The refund window of `server` once it holds `calls` calls (spans queue in process briefly). */
function windowWith(instance: BudgetwatchInstance, server: string, calls: number): Promise<WindowSummary> {
  return waitFor(
    async () => {
      const window = await windowOf(instance, server);
      return window.calls >= calls ? window : undefined;
    },
    { description: `${calls} calls of ${server} in the window`, timeoutMs: 15_000 },
  );
}

/** Spans decide freezes: whoever can send them acts on production (docs/operations.md, "Security"). */
describe('the OTLP intake with a token', () => {
  let instance: BudgetwatchInstance;

  beforeAll(async () => {
    instance = await startBudgetwatch(['start'], { BUDGETWATCH_INTAKE_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await instance?.stop();
  });

  it('refuses forged spans without the token (401), and they change no window', async () => {
    const exporter = new OTLPTraceExporter({ url: instance.intakeUrl });
    const forged = fetch(instance.intakeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-token-at-all!!' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    expect((await forged).status).toBe(401);
    await expect(
      recordAgentCalls(exporter, { server: 'payments-mcp', tool: 'refund', count: 60, failing: 60 }),
    ).rejects.toMatchObject([{ code: 401 }]);
    const bare = await fetch(instance.intakeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toBe('Bearer');
    expect(await callsOf(instance, 'payments-mcp')).toBe(0);
  });

  it('refuses forged spans without the token over OTLP/gRPC (UNAUTHENTICATED), and they change no window', async () => {
    for (const token of [undefined, 'not-the-token-at-all!!']) {
      await expect(
        recordAgentCalls(
          grpcTraceExporter(instance.grpcIntakeAddress, token === undefined ? {} : { token }),
          {
            server: 'grpc-payments-mcp',
            tool: 'refund',
            count: 60,
            failing: 60,
          },
        ),
      ).rejects.toMatchObject([{ code: status.UNAUTHENTICATED }]);
    }
    expect(await callsOf(instance, 'grpc-payments-mcp')).toBe(0);
  });

  it('counts spans sent over OTLP/gRPC with the token in the metadata, gzip or not', async () => {
    for (const gzip of [false, true]) {
      await recordAgentCalls(grpcTraceExporter(instance.grpcIntakeAddress, { token: TOKEN, gzip }), {
        server: 'grpc-tokened-mcp',
        tool: 'refund',
        count: 20,
        failing: 2,
      });
    }
    expect(await windowWith(instance, 'grpc-tokened-mcp', 40)).toMatchObject({ calls: 40, errors: 4 });
  });

  it('counts spans sent with the token, as OTEL_EXPORTER_OTLP_HEADERS sends it', async () => {
    const exporter = new OTLPTraceExporter({
      url: instance.intakeUrl,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await recordAgentCalls(exporter, { server: 'tokened-mcp', tool: 'refund', count: 30, failing: 3 });
    expect(await callsOf(instance, 'tokened-mcp')).toBe(30);
  });

  it('listens on loopback by default, API and both intakes alike', async () => {
    const intakePort = Number(new URL(instance.intakeUrl).port);
    const grpcIntakePort = Number(instance.grpcIntakeAddress.split(':')[1]);
    const apiPort = Number(new URL(instance.apiUrl).port);
    expect(await accepts('127.0.0.1', intakePort)).toBe(true);
    expect(await accepts('127.0.0.1', grpcIntakePort)).toBe(true);
    const outside = outsideAddress();
    expect(outside, 'this machine has a non-loopback IPv4 address').toBeDefined();
    expect(await accepts(outside as string, intakePort)).toBe(false);
    expect(await accepts(outside as string, grpcIntakePort)).toBe(false);
    expect(await accepts(outside as string, apiPort)).toBe(false);
  });

  it('sends security headers: a strict Content-Security-Policy, nosniff, no framing', async () => {
    for (const path of ['/', '/api/v1/status', '/healthz']) {
      const response = await fetch(`${instance.apiUrl}${path}`);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
    }
    const page = await fetch(`${instance.apiUrl}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).not.toContain("'unsafe-eval'");
  });
});

describe('the OTLP intake beyond loopback', () => {
  it('is refused without a token or client certificates, naming what to set (exit code 2)', async () => {
    const result = await budgetwatchInProcess(['config', 'check'], { BUDGETWATCH_HTTP_HOST: '0.0.0.0' });
    expect(result.code).toBe(2);
    expect(result.output).toContain(
      'the OTLP/HTTP and OTLP/gRPC intakes would accept spans from anyone on 0.0.0.0',
    );
    expect(result.output).toContain('BUDGETWATCH_INTAKE_TOKEN');
    const accepted = await budgetwatchInProcess(['config', 'check'], {
      BUDGETWATCH_HTTP_HOST: '0.0.0.0',
      BUDGETWATCH_INTAKE_UNAUTHENTICATED: 'true',
    });
    expect(accepted.code, accepted.output).toBe(0);
    const tokened = await budgetwatchInProcess(['config', 'check'], {
      BUDGETWATCH_HTTP_HOST: '0.0.0.0',
      BUDGETWATCH_INTAKE_TOKEN: TOKEN,
    });
    expect(tokened.code, tokened.output).toBe(0);
    expect(tokened.output).not.toContain(TOKEN);
  });

  it('start refuses it too, before it listens', async () => {
    const result = await budgetwatchInProcess(['start'], { BUDGETWATCH_HTTP_HOST: '0.0.0.0' });
    expect(result.code).toBe(2);
    expect(result.output).toContain('BUDGETWATCH_INTAKE_UNAUTHENTICATED=true');
  });
});

describe('the OTLP intake with client certificates (mTLS)', () => {
  let certificates: ThrowawayCertificates;
  let instance: BudgetwatchInstance;

  beforeAll(async () => {
    certificates = await createThrowawayCertificates();
    instance = await startBudgetwatch(['start'], {
      BUDGETWATCH_INTAKE_TLS_CERT_FILE: certificates.certFile,
      BUDGETWATCH_INTAKE_TLS_KEY_FILE: certificates.keyFile,
      BUDGETWATCH_INTAKE_TLS_CLIENT_CA_FILE: certificates.caFile,
    });
  });
  afterAll(async () => {
    await instance?.stop();
    if (certificates !== undefined) rmSync(certificates.dir, { recursive: true, force: true });
  });

  /** POSTs an empty OTLP/JSON export over HTTPS, with or without the client certificate. */
  const post = async (withCertificate: boolean): Promise<number | string> => {
    const ca = await readFile(certificates.caFile);
    const client = withCertificate
      ? { cert: await readFile(certificates.clientCertFile), key: await readFile(certificates.clientKeyFile) }
      : {};
    const url = new URL(instance.intakeUrl.replace('http:', 'https:'));
    return new Promise((resolve) => {
      const request = httpsRequest(
        url,
        { method: 'POST', ca, ...client, headers: { 'content-type': 'application/json' } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      request.end(JSON.stringify({ resourceSpans: [] }));
    });
  };

  it('serves HTTPS and accepts an exporter with a certificate the configured CA signed', async () => {
    expect(await post(true)).toBe(200);
  });

  it('refuses a client without a certificate at the TLS handshake', async () => {
    expect(await post(false)).not.toBe(200);
  });

  /** The OTel gRPC exporter over TLS, trusting the test CA, with or without the client certificate. */
  const grpcExporter = async (withCertificate: boolean) => {
    const ca = await readFile(certificates.caFile);
    const tls = withCertificate
      ? credentials.createSsl(
          ca,
          await readFile(certificates.clientKeyFile),
          await readFile(certificates.clientCertFile),
        )
      : credentials.createSsl(ca);
    return grpcTraceExporter(instance.grpcIntakeAddress, { credentials: tls });
  };

  it('serves OTLP/gRPC over TLS and counts spans of an exporter with a certificate the CA signed', async () => {
    await recordAgentCalls(await grpcExporter(true), {
      server: 'grpc-mtls-mcp',
      tool: 'refund',
      count: 12,
      failing: 3,
    });
    expect(await windowWith(instance, 'grpc-mtls-mcp', 12)).toMatchObject({ calls: 12, errors: 3 });
  });

  it('refuses an OTLP/gRPC exporter without a certificate, and counts nothing of it', async () => {
    await expect(
      recordAgentCalls(await grpcExporter(false), {
        server: 'grpc-mtls-anonymous',
        tool: 'refund',
        count: 12,
        failing: 0,
      }),
    ).rejects.toMatchObject([{ code: status.UNAVAILABLE }]);
    expect(await callsOf(instance, 'grpc-mtls-anonymous')).toBe(0);
  });
});
