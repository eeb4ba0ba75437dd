import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DecisionStreams, decisionRoutes, HttpApi, TopicDecisionSource } from '@budgetwatch/api';
import { DecisionFolder } from '@budgetwatch/evaluator';
import type { Logger } from '@budgetwatch/logger';
import { type GuardedClient, type GuardOptions, guardClient, SseDecisionFeed } from '@budgetwatch/mcp-guard';
import { KafkaDecisionFeed } from '@budgetwatch/mcp-guard/kafka';
import { KafkaSpanExporter } from '@budgetwatch/otel-kafka-exporter';
import { quantileOf } from '@budgetwatch/testkit';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { BenchBed } from './bench-bed.js';
import { startDetectionPipeline, waitUntil } from './detection-pipeline.js';
import { connectInMemoryMcp } from './in-memory-mcp.js';

export const ENFORCE_TRIALS = 100;
const HEALTHY_CALLS = 200;
/** The agent calls the tool once per interval: the resolution of the figures. */
export const CALL_INTERVAL_MS = 5;
/** The agent's BatchSpanProcessor delay: part of what is timed (the SDK's default is 5 s). */
export const SPAN_EXPORT_DELAY_MS = 100;
const READ_TOKEN = 'bench-read-token';

export interface Quantiles {
  p50: number;
  p99: number;
}

export interface EnforcementResult {
  /** First failing call -> first call routed to the fallback. */
  enforce: Quantiles;
  /** First failing call -> traffic.frozen readable on the events topic. */
  detect: Quantiles;
  /** traffic.frozen readable on the events topic -> first call routed to the fallback. */
  afterDetect: Quantiles;
  /** The same two, for a guard on the compacted decisions topic (KafkaDecisionFeed). */
  enforceViaTopic: Quantiles;
  afterDetectViaTopic: Quantiles;
}

interface Guarded {
  client: GuardedClient<Client>;
  /** performance.now() when the guard first routed a call to the fallback. */
  routed: { at: number | undefined };
}

/**
 * The loop closed on the connected path (docs/guard.md): a guarded MCP SDK client whose spans go
 * to the span topic through the OTel SDK and the Kafka span exporter, the ingest worker, the
 * evaluator, the decision folder writing the compacted decisions topic, the API following that
 * topic and serving its SSE stream, and the guard following the stream. Each trial is a fresh
 * server with one tool: healthy calls first (all trials, then one sweep), then failing calls, one
 * per CALL_INTERVAL_MS, until the guard routes one to the fallback.
 *
 * Alongside, at each failing call, a second guard on the same server follows the compacted topic
 * (KafkaDecisionFeed, as `guard-proxy` without `--api`) and calls too; it records no span, so
 * what Budgetwatch counts is the first guard's calls alone.
 */
export async function measureEnforcement(bed: BenchBed, logger: Logger): Promise<EnforcementResult> {
  const pipeline = await startDetectionPipeline(bed, 'enforce', logger);
  const decisionsTopic = await bed.createTopic('enforce-decisions', 1, [
    { name: 'cleanup.policy', value: 'compact' },
  ]);
  const folder = new DecisionFolder({
    kafka: bed.kafka,
    eventsTopic: pipeline.eventsTopic,
    decisionsTopic,
    groupId: `bwbench-enforce-folder-${randomUUID()}`,
    logger,
  });
  await folder.start();
  const source = new TopicDecisionSource({ kafka: bed.kafka, topic: decisionsTopic, logger });
  await source.start();
  const streams = new DecisionStreams({ feed: source.feed });
  const api = new HttpApi({
    routes: decisionRoutes(source, streams),
    tokens: { read: READ_TOKEN, write: null, ingest: null },
    logger,
  });
  const port = await api.listen(0, '127.0.0.1');
  await waitUntil(() => source.unavailable() === null, 30_000);
  const feed = new SseDecisionFeed({ apiUrl: `http://127.0.0.1:${port}`, token: READ_TOKEN });
  await feed.whenSynced(30_000);
  const topicFeed = new KafkaDecisionFeed({ kafka: bed.kafka, topic: decisionsTopic });
  await topicFeed.start();
  await topicFeed.whenSynced(30_000);

  const exporter = new KafkaSpanExporter({ kafka: bed.kafka, topic: pipeline.spanTopic });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-guarded-agent' }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: SPAN_EXPORT_DELAY_MS,
        maxQueueSize: ENFORCE_TRIALS * HEALTHY_CALLS,
      }),
    ],
  });
  const mcp = await connectInMemoryMcp();
  const guarded = (server: string, options: Pick<GuardOptions, 'feed' | 'tracer'>): Guarded => {
    const routed: Guarded['routed'] = { at: undefined };
    const client = guardClient(mcp.client, {
      server,
      ...options,
      fallback: (_request, block) => {
        routed.at ??= performance.now();
        return { content: [{ type: 'text', text: `fallback (${block.reason})` }] };
      },
    });
    return { client, routed };
  };
  const trials = Array.from({ length: ENFORCE_TRIALS }, (_, i) => {
    const server = `bench-enforce-${i}`;
    return {
      server,
      viaStream: guarded(server, { feed, tracer: provider.getTracer('@budgetwatch/mcp-guard') }),
      // No OTel SDK behind this tracer: the shadow's calls are not counted.
      viaTopic: guarded(server, { feed: topicFeed, tracer: trace.getTracer('bench-shadow-guard') }),
    };
  });

  try {
    for (const trial of trials)
      for (let i = 0; i < HEALTHY_CALLS; i++)
        await trial.viaStream.client.callTool({ name: 'charge', arguments: {} });
    await provider.forceFlush();
    if (
      mcp.calls !== ENFORCE_TRIALS * HEALTHY_CALLS ||
      trials.some((trial) => trial.viaStream.routed.at !== undefined)
    )
      throw new Error('a healthy call did not reach the tool');
    await waitUntil(() => pipeline.worker.metrics.callsApplied >= ENFORCE_TRIALS * HEALTHY_CALLS, 60_000);
    await pipeline.nextSweep(60_000);

    mcp.failing = true;
    const enforce: number[] = [];
    const detect: number[] = [];
    const afterDetect: number[] = [];
    const enforceViaTopic: number[] = [];
    const afterDetectViaTopic: number[] = [];
    for (const trial of trials) {
      const firstFailingAt = performance.now();
      let fallbackAt: number | undefined;
      let topicFallbackAt: number | undefined;
      for (;;) {
        await trial.viaStream.client.callTool({ name: 'charge', arguments: {} });
        if (topicFallbackAt === undefined)
          await trial.viaTopic.client.callTool({ name: 'charge', arguments: {} });
        fallbackAt = trial.viaStream.routed.at;
        topicFallbackAt = trial.viaTopic.routed.at;
        if (fallbackAt !== undefined && topicFallbackAt !== undefined) break;
        if (performance.now() - firstFailingAt > 30_000) throw new Error(`${trial.server}: never enforced`);
        await sleep(CALL_INTERVAL_MS);
      }
      const frozenAt = () =>
        Math.min(
          pipeline.frozenAt.get(trial.server) ?? Number.POSITIVE_INFINITY,
          pipeline.frozenAt.get(`${trial.server}/charge`) ?? Number.POSITIVE_INFINITY,
        );
      // The guard acted on a traffic.frozen: the bench's own reader may read it a moment later.
      await waitUntil(() => Number.isFinite(frozenAt()), 10_000);
      enforce.push(fallbackAt - firstFailingAt);
      detect.push(frozenAt() - firstFailingAt);
      afterDetect.push(fallbackAt - frozenAt());
      enforceViaTopic.push(topicFallbackAt - firstFailingAt);
      afterDetectViaTopic.push(topicFallbackAt - frozenAt());
    }
    const quantiles = (values: number[]): Quantiles => ({
      p50: quantileOf(values, 0.5),
      p99: quantileOf(values, 0.99),
    });
    return {
      enforce: quantiles(enforce),
      detect: quantiles(detect),
      afterDetect: quantiles(afterDetect),
      enforceViaTopic: quantiles(enforceViaTopic),
      afterDetectViaTopic: quantiles(afterDetectViaTopic),
    };
  } finally {
    await mcp.close();
    await provider.shutdown();
    await feed.close();
    await topicFeed.close();
    streams.close();
    await api.close();
    await source.stop();
    await folder.stop();
    await pipeline.stop();
  }
}
