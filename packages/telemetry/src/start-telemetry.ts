import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  /** Where OTEL_* settings are read from (default: the process environment). */
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  /** Whether traces and metrics also leave over OTLP. */
  readonly exporting: boolean;
  /** Every instrument now, in the Prometheus text exposition format (what /metrics serves). */
  prometheusText(): Promise<string>;
  /** Flushes what is buffered for OTLP and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK for Budgetwatch's own traces and metrics. Metrics are always
 * readable as Prometheus text; traces and metrics go out over OTLP/HTTP only when an endpoint is
 * configured, because the SDK's default endpoint (localhost:4318) is Budgetwatch's own span intake.
 * No auto-instrumentation and no log export: the services record what matters themselves.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const sdkDisabled = env.OTEL_SDK_DISABLED === 'true';
  const exportTraces =
    !sdkDisabled && configured(env.OTEL_EXPORTER_OTLP_ENDPOINT, env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const exportMetrics =
    !sdkDisabled && configured(env.OTEL_EXPORTER_OTLP_ENDPOINT, env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const metricReaders: MetricReader[] = [prometheus];
  if (exportMetrics) {
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 15_000),
      }),
    );
  }
  const resource = resourceFromAttributes({
    'service.name': env.OTEL_SERVICE_NAME ?? options.serviceName,
    'service.version': options.serviceVersion,
    'service.namespace': 'budgetwatch',
  });
  let shutdown: () => Promise<void>;
  if (sdkDisabled) {
    // The SDK would start nothing, and /metrics would have no reader: keep the metrics, local only.
    const provider = new MeterProvider({ resource, readers: [prometheus] });
    metrics.setGlobalMeterProvider(provider);
    shutdown = () => provider.shutdown();
  } else {
    const sdk = new NodeSDK({
      autoDetectResources: false,
      resource,
      metricReaders,
      spanProcessors: exportTraces ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] : [],
      logRecordProcessors: [],
      instrumentations: [],
    });
    sdk.start();
    shutdown = () => sdk.shutdown();
  }
  const serializer = new PrometheusSerializer();
  return {
    exporting: exportTraces || exportMetrics,
    async prometheusText() {
      const { resourceMetrics } = await prometheus.collect();
      return serializer.serialize(resourceMetrics);
    },
    shutdown,
  };
}

/**
 * Whether an OTLP endpoint is set for a signal (the shared one or its own). Each signal is decided
 * on its own: an exporter without an endpoint would send to localhost:4318, Budgetwatch's intake.
 */
function configured(shared: string | undefined, own: string | undefined): boolean {
  return (shared !== undefined && shared !== '') || (own !== undefined && own !== '');
}
