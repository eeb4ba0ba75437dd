import protobuf from 'protobufjs';

const MS = 1_000_000n;

/** An OTLP/JSON tool-call span of `server`/refund, ended a second ago and 20 ms long. */
export function jsonToolSpan(server: string, index: number, extra: Record<string, unknown> = {}) {
  const end = BigInt(Date.now() - 1000);
  return {
    traceId: index.toString(16).padStart(32, '0'),
    spanId: (index + 1).toString(16).padStart(16, '0'),
    name: 'tools/call refund',
    kind: 3,
    startTimeUnixNano: ((end - 20n) * MS).toString(),
    endTimeUnixNano: (end * MS).toString(),
    attributes: [
      { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
      { key: 'gen_ai.tool.name', value: { stringValue: 'refund' } },
      { key: 'mcp.server.name', value: { stringValue: server } },
    ],
    ...extra,
  };
}

/**
 * An OTLP/JSON attribute whose value nests `depth` key-value lists. It stands in the span as a
 * marker that jsonExport writes out as text: deep enough, an object would overflow JSON.stringify.
 */
export function jsonNestedAttribute(depth: number) {
  return { key: 'nested', value: { stringValue: `${NESTED_MARKER}${depth}` } };
}

const NESTED_MARKER = 'budgetwatch-test-nested-';

function nestedValueText(depth: number): string {
  return `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth)}{"stringValue":"bottom"}${'}]}}'.repeat(depth)}`;
}

/** An OTLP/JSON export of `spans`, one resource and scope. */
export function jsonExport(spans: readonly unknown[]): string {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }],
  }).replace(new RegExp(`\\{"stringValue":"${NESTED_MARKER}(\\d+)"\\}`, 'g'), (_match, depth: string) =>
    nestedValueText(Number(depth)),
  );
}

/**
 * Protobuf bytes written field by field, for what a normal encoder refuses to write: invalid
 * UTF-8 in a string, attribute values nested past every reader's depth limit.
 */
const field = (writer: protobuf.Writer, number: number, bytes: Uint8Array) =>
  writer.uint32((number << 3) | 2).bytes(bytes);

function keyValue(key: Uint8Array | string, value: Uint8Array): Uint8Array {
  const writer = protobuf.Writer.create();
  field(writer, 1, typeof key === 'string' ? Buffer.from(key) : key);
  return field(writer, 2, value).finish();
}

function stringValue(text: Uint8Array | string): Uint8Array {
  return field(protobuf.Writer.create(), 1, typeof text === 'string' ? Buffer.from(text) : text).finish();
}

/** An AnyValue nesting `depth` key-value lists around a string. */
function nestedValue(depth: number): Uint8Array {
  let value = stringValue('bottom');
  for (let level = 0; level < depth; level++) {
    const list = field(protobuf.Writer.create(), 1, keyValue('k', value)).finish();
    value = field(protobuf.Writer.create(), 6, list).finish();
  }
  return value;
}

/** A protobuf tool-call span of `server`/refund, with a raw `note` attribute value if given. */
export function protobufToolSpan(server: string, index: number, note?: Uint8Array): Uint8Array {
  const end = BigInt(Date.now() - 1000) * MS;
  const writer = protobuf.Writer.create();
  field(writer, 1, Buffer.from(index.toString(16).padStart(32, '0'), 'hex'));
  field(writer, 2, Buffer.from((index + 1).toString(16).padStart(16, '0'), 'hex'));
  field(writer, 5, Buffer.from('tools/call refund'));
  writer.uint32((6 << 3) | 0).int32(3);
  // Nanoseconds as a double lose a few hundred of them: nothing a millisecond window sees.
  writer.uint32((7 << 3) | 1).fixed64(Number(end - 20n * MS));
  writer.uint32((8 << 3) | 1).fixed64(Number(end));
  for (const [key, value] of [
    ['mcp.method.name', 'tools/call'],
    ['gen_ai.tool.name', 'refund'],
    ['mcp.server.name', server],
  ] as const) {
    field(writer, 9, keyValue(key, stringValue(value)));
  }
  if (note !== undefined) field(writer, 9, keyValue('note', note));
  return writer.finish();
}

/** The raw `note` values that poison a protobuf span. */
export const poisonNotes = {
  /** A string holding an unpaired surrogate as UTF-8 bytes: not valid UTF-8. */
  invalidUtf8: () => stringValue(Uint8Array.from([0x6f, 0x6b, 0xed, 0xa0, 0x80])),
  /** Key-value lists nested 60 deep: past the 100 levels of message depth readers allow. */
  tooDeep: () => nestedValue(60),
};

/** A protobuf ExportTraceServiceRequest of raw spans, one resource and scope. */
export function protobufExport(spans: readonly Uint8Array[]): Uint8Array {
  const scope = protobuf.Writer.create();
  for (const span of spans) field(scope, 2, span);
  const resource = field(protobuf.Writer.create(), 2, scope.finish()).finish();
  return field(protobuf.Writer.create(), 1, resource).finish();
}
