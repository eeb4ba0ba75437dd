import { type Attributes, type Histogram, metrics, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('budgetwatch');

/** Bucket bounds for the durations Budgetwatch records: a millisecond to half a minute. */
const DURATION_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A duration histogram in seconds, the unit OpenTelemetry and Prometheus expect. */
export function durationHistogram(meterName: string, name: string, description: string): Histogram {
  return metrics.getMeter(meterName).createHistogram(name, {
    description,
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
  });
}

/**
 * Runs `work` inside a span named `name` and records its duration in `histogram` (when given);
 * a failure marks the span as an error and is rethrown.
 */
export async function traced<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  histogram?: Histogram,
): Promise<T> {
  const started = performance.now();
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
      histogram?.record((performance.now() - started) / 1000, attributes);
    }
  });
}
