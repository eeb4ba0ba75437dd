import type { WindowSummary } from '@budgetwatch/domain';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import {
  jsonExport,
  jsonNestedAttribute,
  jsonToolSpan,
  poisonNotes,
  protobufExport,
  protobufToolSpan,
} from '../support/poison-spans.js';

/**
 * Poison spans are refused on their own, with OTLP's answer (400 for a request that can never be
 * accepted, partial_success for spans refused among good ones); the good spans sent with them and
 * after them count exactly. Before, these requests got 503 forever, a 500, or 200 and then lost
 * their good spans to the dead letters.
 */
describe('poison in OTLP/HTTP exports', () => {
  let instance: BudgetwatchInstance;
  beforeAll(async () => {
    instance = await startBudgetwatch(['start'], {});
  });
  afterAll(async () => {
    await instance?.stop();
  });

  const post = (body: string | Uint8Array, type = 'application/json') =>
    fetch(instance.intakeUrl, { method: 'POST', headers: { 'content-type': type }, body });
  const callsOf = async (server: string) =>
    (
      await instance.getJson<{ window: WindowSummary }>(
        `/api/v1/windows?server=${server}&tool=refund&window=2h`,
      )
    ).window.calls;
  const nineGood = (server: string, from: number) =>
    Array.from({ length: 9 }, (_, i) => jsonToolSpan(server, from + i));

  it.each([
    [
      'an attribute nested 60 levels',
      'nesting',
      { attributes: [jsonNestedAttribute(60)] },
      'attribute_nesting',
    ],
    [
      'an attribute nested 5,000 levels',
      'abyss',
      { attributes: [jsonNestedAttribute(5000)] },
      'attribute_nesting',
    ],
    ['an endTimeUnixNano of "1-2"', 'hyphen', { endTimeUnixNano: '1-2' }, 'invalid_time'],
    [
      'one span over a Kafka record (1 MB of name)',
      'giant',
      { name: `tools/call refund ${'x'.repeat(1_000_000)}` },
      'span_too_large',
    ],
  ])(
    '%s: that span refused (partial_success), the nine others counted',
    async (_name, server, poison, reason) => {
      const response = await post(jsonExport([...nineGood(server, 100), jsonToolSpan(server, 500, poison)]));
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        partialSuccess?: { rejectedSpans: string; errorMessage: string };
      };
      expect(body.partialSuccess?.rejectedSpans).toBe('1');
      expect(body.partialSuccess?.errorMessage).toContain(reason);
      expect(await callsOf(server)).toBe(9);
    },
  );

  it('a lone surrogate is repaired, not a reason to lose the request: all ten counted', async () => {
    const text = jsonExport([...nineGood('surrogate', 100), jsonToolSpan('surrogate', 500)]).replace(
      '"tools/call refund"',
      '"tools/call refund\\ud800"',
    );
    const response = await post(text);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(await callsOf('surrogate')).toBe(10);
  });

  it('a request whose every span is poison gets 400, as a retry would', async () => {
    const response = await post(jsonExport([jsonToolSpan('hopeless', 1, { endTimeUnixNano: '1-2' })]));
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain('invalid_time');
  });

  it('an empty export is a 200 that writes nothing, in either encoding', async () => {
    const before = await deadLetters();
    for (const [body, type] of [
      ['{}', 'application/json'],
      [JSON.stringify({ resourceSpans: [] }), 'application/json'],
      [new Uint8Array(0), 'application/x-protobuf'],
    ] as const) {
      expect((await post(body, type)).status).toBe(200);
    }
    expect(await deadLetters()).toBe(before);
  });

  it('protobuf: invalid UTF-8 is repaired and counted, a span nested past readers is refused', async () => {
    const spans = [
      ...Array.from({ length: 8 }, (_, i) => protobufToolSpan('wire', 100 + i)),
      protobufToolSpan('wire', 200, poisonNotes.invalidUtf8()),
      protobufToolSpan('wire', 300, poisonNotes.tooDeep()),
    ];
    const response = await post(protobufExport(spans), 'application/x-protobuf');
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).length).toBeGreaterThan(0);
    expect(await callsOf('wire')).toBe(9);
  });

  async function deadLetters(): Promise<number> {
    const families = parsePrometheusTextFormat(await (await fetch(`${instance.apiUrl}/metrics`)).text());
    const family = families.find((candidate) => candidate.name === 'budgetwatch_ingest_dead_letters_total');
    return (family?.metrics ?? []).reduce((sum, sample) => sum + Number(sample.value), 0);
  }
});
