import { metrics } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startTelemetry } from './start-telemetry.js';

describe('startTelemetry', () => {
  it('keeps /metrics working with the SDK disabled, and exports nothing', async () => {
    const telemetry = startTelemetry({
      serviceName: 'budgetwatch-test',
      serviceVersion: '0.0.0',
      env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    });
    try {
      metrics.getMeter('test').createCounter('budgetwatch.test.things').add(3);
      expect(telemetry.exporting).toBe(false);
      expect(await telemetry.prometheusText()).toContain(
        'budgetwatch_test_things_total{otel_scope_name="test"} 3',
      );
    } finally {
      await telemetry.shutdown();
    }
  });
});
