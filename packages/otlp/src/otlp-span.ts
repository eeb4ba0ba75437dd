/** An attribute value as OTLP carries it (nested lists and maps included). */
export type AttributeValue = string | number | boolean | AttributeValue[] | { [key: string]: AttributeValue };

export type Attributes = Readonly<Record<string, AttributeValue>>;

/** OTLP SpanKind numbers. */
export const SpanKind = {
  unspecified: 0,
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
} as const;

/** OTLP Status.code numbers. */
export const StatusCode = { unset: 0, ok: 1, error: 2 } as const;

/** One span as Budgetwatch reads it, independent of the wire encoding it came in. */
export interface OtlpSpan {
  /** Lower-case hex; empty when the span carried none. */
  traceId: string;
  spanId: string;
  /** Lower-case hex; empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  /** Milliseconds since the Unix epoch, fractional (ns precision is not needed for budgets). */
  startTimeMs: number;
  endTimeMs: number;
  statusCode: number;
  attributes: Attributes;
  /** Attributes of the resource (service) that emitted the span; shared between its spans. */
  resource: Attributes;
}
