import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

/**
 * A finished span as the installed OTLP serializer takes it: the SDK's ReadableSpan, of the 2.x or
 * the 3.x line, whichever the agent runs. Named through the serializer rather than imported from an
 * SDK package (sdk-trace-base in 2.x, sdk-trace in 3.x) so that no SDK line is built in.
 */
export type ReadableSpan = Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0][number];

/** One Kafka record: an OTLP ExportTraceServiceRequest in protobuf, keyed or not. */
export interface TraceMessage {
  key: string | null;
  value: Buffer;
  spanCount: number;
}

export interface TraceMessageOptions {
  /** One record per trace id, keyed by the 32-character hex trace id (the Collector's partition_traces_by_id). */
  partitionTracesById: boolean;
  /** Records above this size are split in two until they fit (the Collector's default is 1,000,000). */
  maxMessageBytes: number;
}

export class SpanTooLargeError extends Error {
  constructor(bytes: number, maxMessageBytes: number) {
    super(`one span serializes to ${bytes} bytes, above maxMessageBytes ${maxMessageBytes}`);
    this.name = 'SpanTooLargeError';
  }
}

/**
 * The records the Collector's kafka exporter writes for these spans with encoding otlp_proto: the
 * whole export as one unkeyed record, or one record per trace keyed by its id. Unlike the Collector,
 * an export over the size limit is split rather than rejected.
 */
export function traceMessages(spans: readonly ReadableSpan[], options: TraceMessageOptions): TraceMessage[] {
  if (spans.length === 0) return [];
  if (!options.partitionTracesById) return sizedMessages(spans, null, options.maxMessageBytes);
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const traceId = span.spanContext().traceId;
    const group = byTrace.get(traceId);
    if (group === undefined) byTrace.set(traceId, [span]);
    else group.push(span);
  }
  return [...byTrace].flatMap(([traceId, group]) => sizedMessages(group, traceId, options.maxMessageBytes));
}

function sizedMessages(spans: readonly ReadableSpan[], key: string | null, maxBytes: number): TraceMessage[] {
  const bytes = ProtobufTraceSerializer.serializeRequest([...spans]);
  if (bytes === undefined) throw new Error('the OTLP protobuf serializer returned nothing');
  if (bytes.length <= maxBytes) {
    return [
      { key, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), spanCount: spans.length },
    ];
  }
  if (spans.length === 1) throw new SpanTooLargeError(bytes.length, maxBytes);
  const middle = Math.ceil(spans.length / 2);
  return [
    ...sizedMessages(spans.slice(0, middle), key, maxBytes),
    ...sizedMessages(spans.slice(middle), key, maxBytes),
  ];
}
