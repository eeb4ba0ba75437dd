import { metrics } from '@opentelemetry/api';

/** A count a service already keeps, read when metrics are collected. */
export interface ObservedCount {
  /** OpenTelemetry name, e.g. budgetwatch.ingest.records (Prometheus: budgetwatch_ingest_records_total). */
  name: string;
  description: string;
  unit?: string;
  /** A total, or totals by the value of `label`. */
  read: () => number | Readonly<Record<string, number | undefined>>;
  label?: string;
}

/**
 * Exposes a service's own counters as monotonic OpenTelemetry counters, observed at collection:
 * the hot path keeps incrementing plain numbers and pays nothing for telemetry.
 */
export function observeCounts(meterName: string, counts: readonly ObservedCount[]): void {
  const meter = metrics.getMeter(meterName);
  for (const count of counts) {
    const counter = meter.createObservableCounter(count.name, {
      description: count.description,
      ...(count.unit === undefined ? {} : { unit: count.unit }),
    });
    counter.addCallback((result) => {
      const value = count.read();
      if (typeof value === 'number') {
        result.observe(value);
        return;
      }
      for (const [key, total] of Object.entries(value)) {
        if (total !== undefined) result.observe(total, { [count.label ?? 'kind']: key });
      }
    });
  }
}
