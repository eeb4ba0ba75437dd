import { durationHistogram, observeCounts } from '@budgetwatch/telemetry';
import type { Histogram } from '@opentelemetry/api';
import type { EvaluatorMetrics } from './evaluator-metrics.js';

const METER = 'budgetwatch.evaluator';

/** The evaluator's counters and the duration of its passes as OpenTelemetry instruments. */
export function evaluatorInstruments(counters: EvaluatorMetrics): { passDuration: Histogram } {
  observeCounts(METER, [
    {
      name: 'budgetwatch.evaluator.evaluations',
      description: 'Rule decisions made (a rule of a series, once)',
      read: () => counters.evaluations,
    },
    {
      name: 'budgetwatch.evaluator.transitions',
      description: 'Rule state transitions that produced events',
      read: () => counters.transitions,
    },
    {
      name: 'budgetwatch.evaluator.events_emitted',
      description: 'Events published to the events topic',
      read: () => counters.eventsPublished,
    },
    {
      name: 'budgetwatch.evaluator.publish_failures',
      description: 'Outbox publishes that failed and will be retried',
      read: () => counters.publishFailures,
    },
    {
      name: 'budgetwatch.evaluator.conflicts',
      description: 'Conditional writes lost to another evaluator',
      read: () => counters.conflicts,
    },
  ]);
  return {
    passDuration: durationHistogram(
      METER,
      'budgetwatch.evaluator.pass.duration',
      'Time to evaluate every rule of a set of series: a full sweep, or the series just written',
    ),
  };
}
