import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetwatchInProcess } from '../support/cli.js';
import { runAgent } from '../support/instrumented-agents/run-agent.js';
import { startSpanCapture } from '../support/instrumented-agents/span-capture.js';

/**
 * `budgetwatch explain` on a capture of the real Traceloop instrumentation (OTLP JSON exports
 * written one per line, as the Collector's file exporter does): with the Traceloop profile
 * disabled it names that profile for the spans that look like tool calls; enabled, every call
 * counts.
 */

interface Report {
  summary: { calls: number; callsByProfile: Record<string, number>; unattributed: number };
  spans: { counted: boolean; profile?: string; tool?: string; outcome?: string }[];
  looksLikeToolCalls: { spanName: string; attributeKeys: string[]; builtInProfile?: string; spans: number }[];
}

let dir: string;
let capturePath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-agents-explain-'));
  const capture = await startSpanCapture();
  try {
    await runAgent('traceloop', { otlpUrl: capture.tracesUrl, otlpEncoding: 'json' });
  } finally {
    await capture.close();
  }
  capturePath = join(dir, 'traceloop-capture.jsonl');
  writeFileSync(capturePath, capture.bodies.map((body) => body.toString('utf8')).join('\n'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function explain(configYaml: string): Promise<Report> {
  const config = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(config, configYaml);
  const result = await budgetwatchInProcess(['--config', config, 'explain', capturePath, '--json']);
  expect(result.code, result.output).toBe(0);
  return JSON.parse(result.output) as Report;
}

describe('budgetwatch explain on a capture of @traceloop/instrumentation-mcp', () => {
  it('with the Traceloop profile disabled: no call counted, the 50 tool spans named as traceloop-mcp look-alikes', async () => {
    const report = await explain('recognition:\n  disabled: [traceloop-mcp]\n');
    expect(report.summary.calls).toBe(0);
    const traceloop = report.looksLikeToolCalls.filter((hint) => hint.builtInProfile === 'traceloop-mcp');
    expect(traceloop.reduce((sum, hint) => sum + hint.spans, 0)).toBe(50);
    // Keys only, never values: the recorded tool input (`{"tool_name":...,"arguments":...}`) is not shown.
    for (const hint of traceloop) {
      expect(hint.attributeKeys).toContain('traceloop.entity.input');
      expect(JSON.stringify(hint)).not.toContain('tool_name');
    }
  });

  it('with the built-in profiles: the 50 calls counted by traceloop-mcp, 13 of them errors, all unattributed', async () => {
    const report = await explain('{}\n');
    expect(report.summary.callsByProfile).toEqual({ 'traceloop-mcp': 50 });
    expect(report.summary.unattributed).toBe(50);
    const counted = report.spans.filter((span) => span.counted);
    expect(counted.filter((span) => span.outcome === 'error')).toHaveLength(13);
  });
});
