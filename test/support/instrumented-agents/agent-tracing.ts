/**
 * The OpenTelemetry setup of an instrumented agent process, as an application does it before
 * loading its instrumentations: a global tracer provider exporting OTLP/HTTP protobuf to
 * AGENT_OTLP_URL (Budgetwatch's intake, or the test's span capture), with the resource
 * `service.name` AGENT_SERVICE_NAME, and an AsyncLocalStorage context manager so that spans nest.
 * AGENT_OTLP_ENCODING=json sends OTLP JSON instead.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export function startAgentTracing(): TracerProvider {
  const url = process.env.AGENT_OTLP_URL;
  if (url === undefined || url === '') throw new Error('AGENT_OTLP_URL is required');
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': process.env.AGENT_SERVICE_NAME ?? 'agent' }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter:
          process.env.AGENT_OTLP_ENCODING === 'json'
            ? new OtlpJsonExporter({ url })
            : new OTLPTraceExporter({ url }),
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return provider;
}

/** Flushes and stops the global provider set up by startAgentTracing, if any. */
export async function stopAgentTracing(): Promise<void> {
  const provider = trace.getTracerProvider() as unknown as { shutdown?: () => Promise<void> };
  // The API wraps the registered provider in a proxy; its delegate is what was registered.
  const delegate = (provider as { getDelegate?: () => { shutdown?: () => Promise<void> } }).getDelegate?.();
  await (delegate ?? provider).shutdown?.();
}
