import { loadConfig } from '@budgetwatch/config';
import { createLogger } from '@budgetwatch/logger';
import { type DecisionFeed, SseDecisionFeed } from '@budgetwatch/mcp-guard';
import { DEFAULT_DECISIONS_TOPIC, KafkaDecisionFeed } from '@budgetwatch/mcp-guard/kafka';
import { type GuardProxyUpstream, startGuardProxy } from '@budgetwatch/mcp-guard/proxy';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { InvalidArgumentError } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { connectedKafka } from './connected-kafka.js';
import { untilShutdownSignal } from './ingest-worker.js';
import { requireConnections } from './require-connections.js';
import { serviceVersion } from './service-version.js';

export interface GuardProxyCommandOptions {
  upstream: GuardProxyUpstream[];
  /** `ID=FALLBACK_ID` pairs: a blocked call on ID goes to upstream FALLBACK_ID's tool. */
  fallback: Array<{ id: string; fallback: string }>;
  /** The API base URL whose decision stream to follow; absent: the compacted topic on the configured Kafka. */
  api?: string;
  decisionsTopic: string;
  otlpUrl?: string;
  host: string;
  port: number;
  maxSessions: number;
  staleAfterMs: number;
  failClosed: boolean;
  probeIntervalMs?: number;
  loweredConcurrency: number;
}

/** How long a finished span waits at most before it is exported (docs/guard.md, "The proxy"). */
const SPAN_EXPORT_DELAY_MS = 200;

/** `A=B` split at the first `=`, both sides non-empty. */
function pair(value: string, expected: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError(`expected ${expected}`);
  return [value.slice(0, at), value.slice(at + 1)];
}

/** Commander's parser for a repeatable `--upstream ID=URL`. */
export function upstreamOption(value: string, previous: GuardProxyUpstream[] = []): GuardProxyUpstream[] {
  const [id, url] = pair(value, 'SERVER_ID=URL, e.g. payments-mcp=http://127.0.0.1:3001/mcp');
  return [...previous, { id, url }];
}

/** Commander's parser for a repeatable `--fallback ID=FALLBACK_ID`. */
export function fallbackOption(
  value: string,
  previous: GuardProxyCommandOptions['fallback'] = [],
): GuardProxyCommandOptions['fallback'] {
  const [id, fallback] = pair(value, 'SERVER_ID=FALLBACK_SERVER_ID, both given with --upstream');
  return [...previous, { id, fallback }];
}

/**
 * Serves the guard as an MCP Streamable HTTP proxy until SIGTERM/SIGINT (docs/guard.md, "The
 * proxy"): decisions from the API's SSE stream (read token from BUDGETWATCH_API_READ_TOKEN) or
 * the compacted topic, spans by OTLP to the intake (token from BUDGETWATCH_INTAKE_TOKEN).
 */
export async function runGuardProxy(
  options: GuardProxyCommandOptions,
  configFile: string | undefined,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
  shutdown: Promise<unknown> = untilShutdownSignal(),
): Promise<ExitCode> {
  if (options.upstream.length === 0) {
    io.err.write('budgetwatch guard-proxy: give at least one --upstream SERVER_ID=URL\n');
    return ExitCode.usage;
  }
  const upstreams = options.upstream.map((upstream) => {
    const fallback = options.fallback.find((entry) => entry.id === upstream.id)?.fallback;
    return fallback === undefined ? upstream : { ...upstream, fallback };
  });
  const unknown = options.fallback.find((entry) => !upstreams.some((upstream) => upstream.id === entry.id));
  if (unknown !== undefined) {
    io.err.write(`budgetwatch guard-proxy: --fallback names ${unknown.id}, which no --upstream gives\n`);
    return ExitCode.usage;
  }
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const logger = createLogger({ name: 'guard-proxy', level: loaded.log.level });
  const onError = (error: Error) => logger.warn({ err: error }, 'guard-proxy');
  let feed: DecisionFeed & { start?: () => Promise<void> };
  if (options.api !== undefined) {
    feed = new SseDecisionFeed({
      apiUrl: options.api,
      ...(loaded.http.readToken === undefined ? {} : { token: loaded.http.readToken }),
      ...(options.upstream.length === 1 ? { server: options.upstream[0]?.id as string } : {}),
      onError,
    });
  } else {
    const config = requireConnections(loaded, 'guard-proxy (without --api)', ['kafka']);
    const kafka = await connectedKafka(config.kafka, logger, [options.decisionsTopic]);
    const kafkaFeed = new KafkaDecisionFeed({
      kafka,
      topic: options.decisionsTopic,
      servers: options.upstream.map((upstream) => upstream.id),
      onError,
    });
    await kafkaFeed.start();
    feed = kafkaFeed;
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'budgetwatch-guard-proxy',
      'service.version': serviceVersion,
    }),
    spanProcessors:
      options.otlpUrl === undefined
        ? []
        : [
            new BatchSpanProcessor({
              // These spans drive the rules whose decisions the proxy enforces: the SDK's default
              // delay (5 s) would add up to 5 s to every freeze and every recovery.
              scheduledDelayMillis: SPAN_EXPORT_DELAY_MS,
              exporter: new OTLPTraceExporter({
                url: options.otlpUrl,
                headers:
                  loaded.http.intakeToken === undefined
                    ? {}
                    : { authorization: `Bearer ${loaded.http.intakeToken}` },
              }),
            }),
          ],
  });
  if (options.otlpUrl === undefined)
    logger.warn('no --otlp-url: the guarded calls are not reported to Budgetwatch');
  let proxy: Awaited<ReturnType<typeof startGuardProxy>>;
  try {
    proxy = await startGuardProxy({
      upstreams,
      feed,
      host: options.host,
      port: options.port,
      maxSessions: options.maxSessions,
      onError,
      guard: {
        tracer: provider.getTracer('@budgetwatch/mcp-guard', serviceVersion),
        staleAfterMs: options.staleAfterMs,
        whenStale: options.failClosed ? 'closed' : 'open',
        loweredConcurrency: options.loweredConcurrency,
        ...(options.probeIntervalMs === undefined ? {} : { probeIntervalMs: options.probeIntervalMs }),
      },
    });
  } catch (error) {
    await feed.close();
    await provider.shutdown();
    if (!(error instanceof RangeError)) throw error;
    io.err.write(`budgetwatch ${error.message}\n`);
    return ExitCode.usage;
  }
  for (const upstream of options.upstream) {
    io.out.write(`guard-proxy: ${proxy.url}/mcp/${upstream.id} -> ${upstream.url}\n`);
  }
  const signal = await shutdown;
  logger.info({ signal }, 'shutting down');
  await proxy.close();
  await feed.close();
  await provider.shutdown();
  return ExitCode.ok;
}

export { DEFAULT_DECISIONS_TOPIC };
