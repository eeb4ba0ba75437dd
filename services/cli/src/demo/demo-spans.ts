import { encodeProtobufTracesFromJson } from '@budgetwatch/otlp';
import type { DemoServer, DemoTool } from './demo-servers.js';

const CLIENT = 3;
const STATUS_ERROR = 2;

/** A seeded generator (mulberry32): the same demo every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Calls a rate gives over an interval: the whole part, plus one more with the fraction's odds. */
export function callCount(ratePerSecond: number, intervalMs: number, random: () => number): number {
  const expected = (ratePerSecond * intervalMs) / 1000;
  const whole = Math.floor(expected);
  return whole + (random() < expected - whole ? 1 : 0);
}

interface CallShape {
  errorRate: number;
  medianMs: number;
  fallbackRate: number;
}

function shapeAt(tool: DemoTool, liveElapsedMs: number | null): CallShape {
  const degraded =
    tool.degrades !== undefined && liveElapsedMs !== null && liveElapsedMs >= tool.degrades.afterMs;
  return degraded && tool.degrades !== undefined
    ? tool.degrades
    : { errorRate: tool.errorRate, medianMs: tool.medianMs, fallbackRate: 0 };
}

function hex(random: () => number, bytes: number): string {
  let text = '';
  for (let i = 0; i < bytes; i++)
    text += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0');
  return text;
}

function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/**
 * One OTLP TracesData record (protobuf) of an agent's client spans calling `server`'s tools, as an
 * OTel SDK with the MCP semantic conventions emits them. `calls` gives each tool's call end times;
 * `liveElapsedMs` (null for history) decides whether a degrading tool has degraded yet.
 */
export function demoRecord(
  server: DemoServer,
  calls: ReadonlyMap<DemoTool, readonly number[]>,
  liveElapsedMs: number | null,
  random: () => number,
): Uint8Array {
  const spans: unknown[] = [];
  for (const [tool, endTimes] of calls) {
    const shape = shapeAt(tool, liveElapsedMs);
    for (const endMs of endTimes) {
      // Log-normal-ish latency around the median.
      const latencyMs = shape.medianMs * Math.exp((random() + random() + random() - 1.5) * 0.9);
      const attributes: Record<string, string | boolean> = {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': tool.name,
        'mcp.server.name': server.id,
      };
      const roll = random();
      let failed = false;
      if (roll < (tool.unexpectedBlockRate ?? 0)) {
        attributes['budgetwatch.policy.decision'] = 'deny';
      } else if (roll < (tool.unexpectedBlockRate ?? 0) + (tool.expectedBlockRate ?? 0)) {
        attributes['budgetwatch.policy.decision'] = 'deny';
        attributes['budgetwatch.policy.expected'] = true;
      } else if (random() < shape.errorRate) {
        attributes['error.type'] = latencyMs > 3000 ? 'timeout' : 'tool_error';
        failed = true;
      }
      if (random() < shape.fallbackRate) attributes['budgetwatch.fallback.activated'] = true;
      spans.push({
        traceId: hex(random, 16),
        spanId: hex(random, 8),
        name: `tools/call ${tool.name}`,
        kind: CLIENT,
        startTimeUnixNano: nanos(endMs - latencyMs),
        endTimeUnixNano: nanos(endMs),
        attributes: Object.entries(attributes).map(([key, value]) => ({
          key,
          value: typeof value === 'boolean' ? { boolValue: value } : { stringValue: value },
        })),
        status: failed ? { code: STATUS_ERROR, message: 'tool call failed' } : {},
      });
    }
  }
  return encodeProtobufTracesFromJson({
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'demo-agent' } },
            { key: 'telemetry.sdk.language', value: { stringValue: 'nodejs' } },
          ],
        },
        scopeSpans: [{ scope: { name: 'budgetwatch-demo' }, spans }],
      },
    ],
  });
}
