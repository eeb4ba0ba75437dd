/**
 * Reading what a running Budgetwatch counted from an instrumented agent: waiting until the ingest
 * has read every span the intake accepted, then the windows of each tool of the call mix.
 */
import { isDeepStrictEqual } from 'node:util';
import type { WindowSummary } from '@budgetwatch/domain';
import { waitFor } from '@budgetwatch/testkit';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { expect } from 'vitest';
import type { BudgetwatchInstance } from '../budgetwatch-instance.js';
import { type CallOutcome, callMix } from './call-mix.js';

/** Calls and errors of one series. */
export interface Counted {
  calls: number;
  errors: number;
}

/** A sample of one of Budgetwatch's own metrics, summed over its labels matching `labels`. */
export async function metricTotal(
  instance: BudgetwatchInstance,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const families = parsePrometheusTextFormat(await (await fetch(`${instance.apiUrl}/metrics`)).text());
  const family = families.find((candidate) => candidate.name === name);
  let total = 0;
  for (const sample of family?.metrics ?? []) {
    if (Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value)) {
      total += Number(sample.value);
    }
  }
  return total;
}

/**
 * Waits until the ingest has read at least `spans` spans and as many as the OTLP intake accepted,
 * so that the windows read next hold everything the agents sent (an agent's exporter has its
 * answers from the intake when the agent exits).
 */
export async function ingestCaughtUp(instance: BudgetwatchInstance, spans: number): Promise<void> {
  await waitFor(
    async () => {
      const accepted = await metricTotal(instance, 'budgetwatch_intake_spans_accepted_total');
      const read = await metricTotal(instance, 'budgetwatch_ingest_spans_total');
      return accepted >= spans && read >= accepted;
    },
    { description: `the ingest to read the ${spans}+ spans the intake accepted`, timeoutMs: 30_000 },
  );
}

/** The window of each tool of the mix (with `prefix`) on `server`, and the server's rollup. */
export async function countedPerTool(
  instance: BudgetwatchInstance,
  server: string,
  prefix: string,
  window: '2h' | '24h',
): Promise<Record<string, Counted>> {
  const tools = [...new Set(callMix(prefix).map((call) => call.tool))];
  const counted: Record<string, Counted> = {};
  for (const tool of [...tools, null]) {
    const query = new URLSearchParams({ server, window, ...(tool === null ? {} : { tool }) });
    const { window: summary } = await instance.getJson<{ window: WindowSummary }>(`/api/v1/windows?${query}`);
    counted[tool ?? '(server rollup)'] = { calls: summary.calls, errors: summary.errors };
  }
  return counted;
}

/**
 * What the windows should hold after one run of the mix: every call, and as errors the outcomes
 * the instrumentation reports as errors (`errorOutcomes`).
 */
export function expectedPerTool(
  prefix: string,
  errorOutcomes: readonly CallOutcome[],
): Record<string, Counted> {
  const expected: Record<string, Counted> = {};
  const rollup = { calls: 0, errors: 0 };
  for (const call of callMix(prefix)) {
    const entry = expected[call.tool] ?? { calls: 0, errors: 0 };
    const error = errorOutcomes.includes(call.outcome) ? 1 : 0;
    entry.calls += 1;
    entry.errors += error;
    rollup.calls += 1;
    rollup.errors += error;
    expected[call.tool] = entry;
  }
  return { ...expected, '(server rollup)': rollup };
}

/**
 * Asserts that `server`'s windows hold exactly `expected` over 2h and 24h. The ingest writes a
 * batch after reading it, so the 2h windows are waited for until they match (at most 20 s); when
 * they do not, the assertion shows the difference. Callers check too that the ingest classified no
 * more calls than expected (budgetwatch_ingest_tool_calls_total), so nothing more can arrive later.
 */
export async function expectCounted(
  instance: BudgetwatchInstance,
  server: string,
  prefix: string,
  expected: Record<string, Counted>,
): Promise<void> {
  let last: Record<string, Counted> = {};
  try {
    await waitFor(
      async () => {
        last = await countedPerTool(instance, server, prefix, '2h');
        return isDeepStrictEqual(last, expected);
      },
      { description: `the windows of ${server} to hold the expected calls`, timeoutMs: 20_000 },
    );
  } catch {
    expect(last, `${server}, 2h`).toEqual(expected);
  }
  expect(await countedPerTool(instance, server, prefix, '24h'), `${server}, 24h`).toEqual(expected);
}

/** Runs `drive`, waits for the ingest to read what it sent, and returns how many tool calls it classified. */
export async function toolCallsClassified(
  instance: BudgetwatchInstance,
  spansAtLeast: number,
  drive: () => Promise<unknown>,
): Promise<number> {
  const before = await metricTotal(instance, 'budgetwatch_ingest_tool_calls_total');
  await drive();
  await ingestCaughtUp(instance, spansAtLeast);
  return (await metricTotal(instance, 'budgetwatch_ingest_tool_calls_total')) - before;
}
