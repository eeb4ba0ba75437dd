/**
 * The test side of the harness: an OTLP/HTTP receiver on a free loopback port that keeps every
 * span it is sent (protobuf or JSON, decoded by Budgetwatch's own decoder), and answers metrics
 * exports too, since some instrumentations send both.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeTraces, type OtlpSpan } from '@budgetwatch/otlp';

export interface SpanCapture {
  /** The traces URL (`.../v1/traces`). */
  tracesUrl: string;
  /** The base URL (`.../v1`), for exporters that add `/traces` themselves. */
  baseUrl: string;
  spans: OtlpSpan[];
  /** Each traces request's body as it came, in arrival order. */
  bodies: Buffer[];
  close(): Promise<void>;
}

export async function startSpanCapture(): Promise<SpanCapture> {
  const spans: OtlpSpan[] = [];
  const bodies: Buffer[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const body = Buffer.concat(chunks);
        bodies.push(body);
        spans.push(...decodeTraces(body, request.headers['content-type']));
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    tracesUrl: `${base}/traces`,
    baseUrl: base,
    spans,
    bodies,
    async close() {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
    },
  };
}
