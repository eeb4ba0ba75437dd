import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IN_MEMORY_CARDINALITY_LIMITS } from '@budgetwatch/domain';
import { encodeProtobufTracesFromJson } from '@budgetwatch/otlp';
import { freeLoopbackPort, residentMemoryMiB, waitFor } from '@budgetwatch/testkit';
import type { BenchRow } from './report.js';
import { stopProcess } from './worker-processes.js';

const CLI = fileURLToPath(new URL('../services/cli/src/main.ts', import.meta.url));
/** The documented bound of `budgetwatch start` on embedded defaults at the caps (docs/operations.md). */
const RSS_LIMIT_MIB = 512;
const SPANS_PER_EXPORT = 4000;
const FIVE_MINUTES = 300_000;
const MINUTE = 60_000;

/**
 * `budgetwatch start` on embedded defaults with every default cardinality cap filled by series
 * that hold a full day: two calls of different latencies in every five-minute bucket of the last
 * 24h and every minute of the last 2h, sent through the intake as fast as it takes them. Its
 * resident memory is sampled from /proc throughout (docs/operations.md#cardinality-limits).
 */
export async function runEmbeddedMemoryBench(): Promise<{
  rows: BenchRow[];
  figures: Record<string, number>;
}> {
  const [apiPort, otlpPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
  const child = spawn('node', ['--conditions=@budgetwatch/source', '--import', 'tsx', CLI, 'start'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      BUDGETWATCH_LOG_LEVEL: 'warn',
      BUDGETWATCH_HTTP_PORT: String(apiPort),
      BUDGETWATCH_OTLP_PORT: String(otlpPort),
    },
    stdio: 'ignore',
  });
  const api = `http://127.0.0.1:${apiPort}`;
  try {
    await waitFor(async () => (await fetch(`${api}/healthz`).catch(() => undefined))?.ok === true, {
      description: 'budgetwatch start to serve',
      timeoutMs: 60_000,
    });
    const pid = child.pid as number;
    const idleMiB = residentMemoryMiB(pid) ?? 0;
    let peakMiB = idleMiB;
    const sampler = setInterval(() => {
      peakMiB = Math.max(peakMiB, residentMemoryMiB(pid) ?? 0);
    }, 100);
    const spans = await sendFullDays(`http://127.0.0.1:${otlpPort}/v1/traces`, Date.now());
    await waitFor(async () => (await ingestedToolCalls(api)) === spans, {
      description: 'every call counted',
      timeoutMs: 300_000,
      intervalMs: 1000,
    });
    const status = (await (await fetch(`${api}/api/v1/status`)).json()) as {
      unregistered: { tools: string[] }[];
    };
    clearInterval(sampler);
    peakMiB = Math.max(peakMiB, residentMemoryMiB(pid) ?? 0);
    const series = status.unregistered.reduce((sum, server) => sum + 1 + server.tools.length, 0);
    return {
      rows: [
        {
          name: 'series held, each with a full day',
          value: series,
          unit: 'series',
          comparison: 'default caps',
        },
        { name: 'spans sent through the intake', value: spans, unit: 'spans' },
        { name: 'idle RSS', value: idleMiB, unit: 'MiB' },
        {
          name: 'peak RSS at the caps',
          value: peakMiB,
          unit: 'MiB',
          comparison: `${((peakMiB - idleMiB) / series).toFixed(2)} MiB per series over idle`,
          target: `< ${RSS_LIMIT_MIB} MiB`,
          met: peakMiB < RSS_LIMIT_MIB,
        },
      ],
      figures: {
        embedded_series_at_caps: series,
        embedded_idle_rss_mib: idleMiB,
        embedded_peak_rss_mib_at_caps: peakMiB,
      },
    };
  } finally {
    await stopProcess(child, 'SIGTERM');
  }
}

/**
 * The default caps filled, as the operations guide counts them: a server with the most tools
 * allowed, servers of 10 tools up to the total, tracked servers over the total (their `(other)`
 * series), and a few servers beyond the unregistered cap (`(other servers)`).
 */
function toolsAtTheCaps(): [server: string, tool: string][] {
  const { maxToolsPerServer, maxToolSeries, maxUnregisteredServers } = IN_MEMORY_CARDINALITY_LIMITS;
  const server = (i: number) => `srv-${String(i).padStart(4, '0')}`;
  const tools: [string, string][] = [];
  for (let t = 0; t < maxToolsPerServer; t++) tools.push([server(0), `t${t}`]);
  const narrow = Math.ceil((maxToolSeries - maxToolsPerServer) / 10);
  for (let s = 1; s <= narrow; s++) for (let t = 0; t < 10; t++) tools.push([server(s), `t${t}`]);
  for (let s = narrow + 1; s < maxUnregisteredServers + 10; s++) tools.push([server(s), 'extra']);
  return tools;
}

async function sendFullDays(intake: string, nowMs: number): Promise<number> {
  const tools = toolsAtTheCaps();
  const ends = [
    ...Array.from({ length: 287 }, (_, b) => nowMs - MINUTE - b * FIVE_MINUTES - FIVE_MINUTES / 2),
    ...Array.from({ length: 119 }, (_, m) => nowMs - MINUTE / 2 - m * MINUTE),
  ];
  let sent = 0;
  let spans: object[] = [];
  const flush = async () => {
    const body = Buffer.from(encodeProtobufTracesFromJson({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
    spans = [];
    // The in-process queue answers 503 when full: wait for it, as an exporter would.
    await waitFor(
      async () =>
        (await fetch(intake, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body }))
          .ok,
      { description: 'the intake to take an export', timeoutMs: 60_000, intervalMs: 100 },
    );
  };
  // Time first: every series is first seen in the order above, which decides what is admitted.
  for (const end of ends) {
    for (const [server, tool] of tools) {
      for (const latencyMs of [12 + (sent % 97) * 7, 40 + (sent % 389) * 13]) {
        sent += 1;
        spans.push(toolSpan(sent, server, tool, end, latencyMs));
        if (spans.length === SPANS_PER_EXPORT) await flush();
      }
    }
  }
  if (spans.length > 0) await flush();
  return sent;
}

function toolSpan(n: number, server: string, tool: string, endMs: number, latencyMs: number): object {
  return {
    traceId: n.toString(16).padStart(32, '0'),
    spanId: n.toString(16).padStart(16, '0'),
    name: `tools/call ${tool}`,
    kind: 3,
    startTimeUnixNano: String((endMs - latencyMs) * 1e6),
    endTimeUnixNano: String(endMs * 1e6),
    attributes: [
      { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
      { key: 'gen_ai.tool.name', value: { stringValue: tool } },
      { key: 'mcp.server.name', value: { stringValue: server } },
    ],
    status: { code: 0 },
  };
}

async function ingestedToolCalls(api: string): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  return Number(/^budgetwatch_ingest_tool_calls_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
}
