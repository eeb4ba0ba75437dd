import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';

/** What an OTLP/HTTP receiver got: request paths and bodies. */
interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

describe('self-telemetry over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
  const received: Received[] = [];
  let collector: Server;
  let instance: BudgetwatchInstance;

  beforeAll(async () => {
    // A stand-in OTLP/HTTP receiver: records each export and answers as a Collector does.
    collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          path: request.url ?? '',
          contentType: request.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        });
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const { port } = collector.address() as AddressInfo;
    instance = await startBudgetwatch(['start', '--demo'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '500',
    });
  });

  afterAll(async () => {
    await instance?.stop();
    collector?.closeAllConnections();
    collector?.close();
  });

  it('exports traces of ingest batches and evaluator passes, and the pipeline metrics', async () => {
    const exported = (path: string, text: string) =>
      received.some((request) => request.path === path && request.body.includes(text));
    await waitFor(() => exported('/v1/traces', 'ingest batch') && exported('/v1/traces', 'evaluator pass'), {
      description: 'spans of ingest batches and evaluator passes at /v1/traces',
      timeoutMs: 30_000,
    });
    await waitFor(
      () =>
        [
          'budgetwatch.ingest.records',
          'budgetwatch.ingest.consumer_lag',
          'budgetwatch.evaluator.pass.duration',
        ].every((name) => exported('/v1/metrics', name)),
      { description: 'the pipeline metrics at /v1/metrics', timeoutMs: 30_000 },
    );
    expect(received.every((request) => request.contentType === 'application/x-protobuf')).toBe(true);
    expect(received.some((request) => request.body.includes('budgetwatch'))).toBe(true);
  });
});
