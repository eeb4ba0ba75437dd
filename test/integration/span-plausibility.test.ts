import type { WindowSummary } from '@budgetwatch/domain';
import { waitFor } from '@budgetwatch/testkit';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';

const MS = 1_000_000n;

/** An OTLP/JSON tool-call span of `server`/refund from `startMs` to `endMs`, failing. */
function span(server: string, index: number, startMs: number, endMs: number) {
  return {
    traceId: index.toString(16).padStart(32, '0'),
    spanId: (index + 1).toString(16).padStart(16, '0'),
    name: 'tools/call refund',
    kind: 3,
    startTimeUnixNano: (BigInt(startMs) * MS).toString(),
    endTimeUnixNano: (BigInt(endMs) * MS).toString(),
    attributes: [
      { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
      { key: 'gen_ai.tool.name', value: { stringValue: 'refund' } },
      { key: 'mcp.server.name', value: { stringValue: server } },
    ],
    status: { code: 2 },
  };
}

/** A span with a start time of 0 counted as 56 years of latency (p95 = 1.79e12 ms) before. */
describe('implausible spans through the intake', () => {
  let instance: BudgetwatchInstance;
  beforeAll(async () => {
    instance = await startBudgetwatch(['start'], {});
  });
  afterAll(async () => {
    await instance?.stop();
  });

  it('a start before the window or a latency over the maximum is counted as invalid, never measured', async () => {
    const now = Date.now();
    const spans = [
      span('clock-mcp', 1, 0, now - 1000),
      span('clock-mcp', 2, now - 2 * 3_600_000, now - 1000),
      ...Array.from({ length: 5 }, (_, i) => span('clock-mcp', 10 + i, now - 1200, now - 1000)),
    ];
    const response = await fetch(instance.intakeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: [{ spans }] }] }),
    });
    expect(response.status).toBe(200);
    const window = await waitFor(
      async () => {
        const body = await instance.getJson<{ window: WindowSummary }>(
          '/api/v1/windows?server=clock-mcp&tool=refund&window=24h',
        );
        return body.window.calls === 5 ? body.window : undefined;
      },
      { description: 'the five plausible calls in the window', timeoutMs: 15_000 },
    );
    expect(window.p99).toBeLessThan(1000);
    const families = parsePrometheusTextFormat(await (await fetch(`${instance.apiUrl}/metrics`)).text());
    const invalid = families.find((family) => family.name === 'budgetwatch_ingest_invalid_spans_total');
    const byReason = (reason: string) =>
      invalid?.metrics.find((sample) => sample.labels?.reason === reason)?.value;
    expect(byReason('start_before_window')).toBe('1');
    expect(byReason('implausible_latency')).toBe('1');
  });
});
