import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { encodeProtobufTracesFromJson } from '@budgetwatch/otlp';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';

/** A Collector JSON Lines capture: an AI SDK agent with Traceloop, HTTP and chat spans, a Shinzo server. */
const CAPTURE = join(import.meta.dirname, '../../../../test/fixtures/agent-capture.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'bw-explain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(yaml: string): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

async function explain(...args: string[]): Promise<{ code: number; output: string }> {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await runCli(args, { out, err: out });
  return { code, output: Buffer.concat(chunks).toString('utf8') };
}

interface Report {
  summary: {
    calls: number;
    callsByProfile: Record<string, number>;
    unattributed: number;
    notCounted: object;
  };
  spans: {
    spanId: string;
    counted: boolean;
    reason?: string;
    profile?: string;
    tool?: string;
    server?: string;
  }[];
  looksLikeToolCalls: { spanName: string; attributeKeys: string[]; builtInProfile?: string }[];
}

describe('budgetwatch explain', () => {
  it('says for each span which profile counted it, or why not', async () => {
    const { code, output } = await explain('--config', config('{}\n'), 'explain', CAPTURE, '--json');
    expect(code).toBe(0);
    const report = JSON.parse(output) as Report;
    expect(report.summary).toEqual({
      spans: 9,
      calls: 3,
      callsByProfile: { 'traceloop-mcp': 2, 'otel-semconv-client': 1 },
      unattributed: 2,
      notCounted: { not_tool_call: 4, duplicate: 1, other_perspective: 1 },
    });
    const bySpan = new Map(report.spans.map((span) => [span.spanId.slice(0, 2), span]));
    // The AI SDK tool span wraps the Traceloop MCP span of the same call: counted once, inside.
    expect(bySpan.get('a3')).toMatchObject({ counted: false, reason: 'duplicate', profile: 'vercel-ai-sdk' });
    expect(bySpan.get('a4')).toMatchObject({ counted: true, profile: 'traceloop-mcp', tool: 'search_docs' });
    expect(bySpan.get('b1')).toMatchObject({ counted: true, server: '(unattributed)', outcome: 'error' });
    expect(bySpan.get('b3')).toMatchObject({ server: 'docs.internal:8443' });
    expect(bySpan.get('c1')).toMatchObject({ reason: 'other_perspective', profile: 'shinzo-mcp' });
    expect(report.looksLikeToolCalls.map((hint) => hint.spanName)).toEqual(['tools/list.mcp']);
  });

  it('with the Traceloop profile disabled, names it for the spans it would count, keys only', async () => {
    const disabled = config('recognition:\n  disabled: [traceloop-mcp]\n');
    const report = JSON.parse(
      (await explain('--config', disabled, 'explain', CAPTURE, '--json')).output,
    ) as Report;
    expect(report.summary.callsByProfile).toEqual({ 'vercel-ai-sdk': 1, 'otel-semconv-client': 1 });
    const traceloop = report.looksLikeToolCalls.filter((hint) => hint.builtInProfile === 'traceloop-mcp');
    expect(traceloop.map((hint) => hint.spanName)).toEqual(['search_docs.tool', 'fetch_page.tool']);
    expect(traceloop[0]?.attributeKeys).toEqual([
      'traceloop.entity.input',
      'traceloop.entity.name',
      'traceloop.span.kind',
    ]);
    const text = (await explain('--config', disabled, 'explain', CAPTURE)).output;
    expect(text).toContain('enable the built-in profile traceloop-mcp');
    // Never an attribute value: the input a tool was called with stays out of the report.
    expect(text).not.toContain('tool_name');
  });

  it('counts the server side with ingest.perspective server, by the service that served it', async () => {
    const server = config('ingest:\n  perspective: server\n');
    const report = JSON.parse(
      (await explain('--config', server, 'explain', CAPTURE, '--json')).output,
    ) as Report;
    expect(report.summary.callsByProfile).toEqual({ 'shinzo-mcp': 1 });
    expect(report.spans.find((span) => span.counted)).toMatchObject({
      tool: 'forecast',
      server: 'weather-server',
    });
  });

  it('attributes stdio calls through the inventory match rules', async () => {
    const inventory = join(dir, 'inventory.yaml');
    writeFileSync(
      inventory,
      `servers:
  - id: docs-mcp
    tier: 0
    dataSensitivity: public
    writeCapability: none
    auth: { mode: none }
    sharedAdminCredentials: false
    credentialsSeparated: true
    match:
      - { attribute: traceloop.entity.name, oneOf: [search_docs, fetch_page] }
`,
    );
    const withInventory = config(`inventory:\n  file: ${inventory}\n`);
    const report = JSON.parse(
      (await explain('--config', withInventory, 'explain', CAPTURE, '--json')).output,
    ) as Report;
    expect(report.summary.unattributed).toBe(0);
    expect(report.spans.filter((span) => span.server === 'docs-mcp').map((span) => span.tool)).toEqual([
      'search_docs',
      'fetch_page',
    ]);
  });

  it('reads OTLP protobuf and a single OTLP JSON document too', async () => {
    const [firstLine = ''] = readFileSync(CAPTURE, 'utf8').split('\n');
    const protobuf = join(dir, 'capture.pb');
    writeFileSync(protobuf, encodeProtobufTracesFromJson(JSON.parse(firstLine)));
    const json = join(dir, 'capture.json');
    writeFileSync(json, firstLine);
    for (const file of [protobuf, json]) {
      const report = JSON.parse(
        (await explain('--config', config('{}\n'), 'explain', file, '--json')).output,
      ) as Report;
      expect(report.summary).toMatchObject({
        spans: 5,
        calls: 1,
        notCounted: { duplicate: 1, not_tool_call: 3 },
      });
    }
  });

  it('refuses a file that is not OTLP, exit code 2', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const { code, output } = await explain('--config', config('{}\n'), 'explain', bad);
    expect(code).toBe(2);
    expect(output).toContain('bad.json');
  });
});
