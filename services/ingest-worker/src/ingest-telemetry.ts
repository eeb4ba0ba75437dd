import { durationHistogram, observeCounts } from '@budgetwatch/telemetry';
import type { Histogram } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/api';
import type { IngestMetrics } from './ingest-metrics.js';

const METER = 'budgetwatch.ingest';

/** Records behind the end of each partition, as of its last batch. */
export type ConsumerLag = Map<string, { topic: string; partition: number; lag: number }>;

/** The ingest counters, the consumer lag and the batch latency as OpenTelemetry instruments. */
export function ingestInstruments(counters: IngestMetrics, lag: ConsumerLag): { batchDuration: Histogram } {
  observeCounts(METER, [
    {
      name: 'budgetwatch.ingest.records',
      description: 'Span records consumed, duplicates included',
      read: () => counters.records,
    },
    {
      name: 'budgetwatch.ingest.duplicate_records',
      description: 'Records skipped whole: a copy of a record already counted at another position',
      read: () => counters.duplicateRecords,
    },
    { name: 'budgetwatch.ingest.spans', description: 'Spans decoded', read: () => counters.spans },
    {
      name: 'budgetwatch.ingest.tool_calls',
      description: 'Tool-call spans counted into the windows',
      read: () => counters.toolCalls,
    },
    {
      name: 'budgetwatch.ingest.calls_by_profile',
      description: 'Tool calls counted, by the recognition profile that recognised them',
      read: () => counters.callsByProfile,
      label: 'profile',
    },
    {
      name: 'budgetwatch.ingest.unattributed_calls',
      description: 'Tool calls counted that nothing attributed to a server',
      read: () => counters.unattributedCalls,
    },
    {
      name: 'budgetwatch.ingest.calls_without_status',
      description: 'Tool calls counted whose span status is UNSET',
      read: () => counters.callsWithoutStatus,
    },
    {
      name: 'budgetwatch.ingest.look_alike_spans',
      description: 'Spans no recognition profile recognised that look like tool calls',
      read: () => counters.lookAlikeSpans,
    },
    {
      name: 'budgetwatch.ingest.spans_not_counted',
      description: 'Spans not counted as tool calls, by reason (invalid spans: invalid_spans)',
      read: () => ({
        not_tool_call: counters.notToolCalls,
        other_perspective: counters.otherPerspective,
        duplicate: counters.duplicateCalls,
      }),
      label: 'reason',
    },
    {
      name: 'budgetwatch.ingest.invalid_spans',
      description: 'Tool-call spans rejected, by reason',
      read: () => counters.invalidSpans,
      label: 'reason',
    },
    {
      name: 'budgetwatch.ingest.dead_letters',
      description: 'Records sent to the dead-letter topic, by reason',
      read: () => counters.deadLettered,
      label: 'reason',
    },
    {
      name: 'budgetwatch.ingest.overflow_calls',
      description: 'Tool calls counted in an overflow series, by the cardinality cap that kept them out',
      read: () => counters.overflowCalls,
      label: 'cap',
    },
    {
      name: 'budgetwatch.ingest.store_failures',
      description: 'Batches whose window write failed and were retried',
      read: () => counters.storeFailures,
    },
  ]);
  metrics
    .getMeter(METER)
    .createObservableGauge('budgetwatch.ingest.consumer_lag', {
      description: 'Records between the last consumed offset and the end of the partition',
      unit: '{record}',
    })
    .addCallback((result) => {
      for (const { topic, partition, lag: records } of lag.values()) {
        result.observe(records, { topic, partition });
      }
    });
  return {
    batchDuration: durationHistogram(
      METER,
      'budgetwatch.ingest.batch.duration',
      'Time to decode, classify and write one batch into the windows',
    ),
  };
}
