import { DecisionStore, guardClient } from '@budgetwatch/mcp-guard';
import { KafkaSpanExporter } from '@budgetwatch/otel-kafka-exporter';
import { quantileOf } from '@budgetwatch/testkit';
import { trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { BenchBed } from './bench-bed.js';
import { connectInMemoryMcp } from './in-memory-mcp.js';

export const OVERHEAD_ROUNDS = 9;
export const OVERHEAD_CALLS_PER_ROUND = 3000;
const WARM_UP_CALLS = 3000;

/** Microseconds per call, the median of the rounds, for each way of calling. */
export interface GuardOverheadResult {
  unguardedUs: number;
  /** The guard with no OTel SDK installed: the decision, the bookkeeping, a non-recording span. */
  guardedNoSdkUs: number;
  /** The SDK installed with no span processor: every span recorded, then dropped. */
  guardedNoExportUs: number;
  /** The guard as deployed: every call a span, batched and exported to Kafka (the flush included). */
  guardedUs: number;
}

/**
 * One real MCP server and SDK Client linked in memory, called one call after another (as an agent
 * does) four ways, in rounds whose order rotates so drift on a shared machine falls on all
 * of them alike. The guard follows a synced DecisionStore holding no decision: the state is read
 * from memory on every call whichever feed fills it, so the feed's own work is not on the call's
 * path and is left out.
 */
export async function measureGuardOverhead(bed: BenchBed): Promise<GuardOverheadResult> {
  const mcp = await connectInMemoryMcp();
  const feed = new DecisionStore(Date.now);
  feed.replaceAll([]);
  const exporter = new KafkaSpanExporter({
    kafka: bed.kafka,
    topic: await bed.createTopic('guard-overhead-spans', 1),
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-guarded-agent' }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: 2 * OVERHEAD_CALLS_PER_ROUND })],
  });
  const server = 'bench-overhead';
  const unguarded = mcp.client;
  const noSdk = guardClient(mcp.client, { server, feed, tracer: trace.getTracer('@budgetwatch/mcp-guard') });
  const noExport = guardClient(mcp.client, {
    server,
    feed,
    tracer: new TracerProvider().getTracer('@budgetwatch/mcp-guard'),
  });
  const guarded = guardClient(mcp.client, {
    server,
    feed,
    tracer: provider.getTracer('@budgetwatch/mcp-guard'),
  });
  const ways = [
    { name: 'unguardedUs', client: unguarded, flush: async () => undefined },
    { name: 'guardedNoSdkUs', client: noSdk, flush: async () => undefined },
    { name: 'guardedNoExportUs', client: noExport, flush: async () => undefined },
    { name: 'guardedUs', client: guarded, flush: () => provider.forceFlush() },
  ] as const;
  const round = async (way: (typeof ways)[number], calls: number): Promise<number> => {
    feed.touch(); // a keepalive: the feed stays fresh, as a followed stream is
    const started = performance.now();
    for (let i = 0; i < calls; i++) await way.client.callTool({ name: 'charge', arguments: {} });
    await way.flush();
    return ((performance.now() - started) * 1000) / calls;
  };
  try {
    for (const way of ways) await round(way, WARM_UP_CALLS);
    const perCall = new Map<string, number[]>(ways.map((way) => [way.name, []]));
    for (let r = 0; r < OVERHEAD_ROUNDS; r++) {
      for (let w = 0; w < ways.length; w++) {
        const way = ways[(r + w) % ways.length];
        if (way !== undefined) perCall.get(way.name)?.push(await round(way, OVERHEAD_CALLS_PER_ROUND));
      }
    }
    const median = (name: string) => quantileOf(perCall.get(name) ?? [], 0.5);
    return {
      unguardedUs: median('unguardedUs'),
      guardedNoSdkUs: median('guardedNoSdkUs'),
      guardedNoExportUs: median('guardedNoExportUs'),
      guardedUs: median('guardedUs'),
    };
  } finally {
    await provider.shutdown();
    await mcp.close();
  }
}
