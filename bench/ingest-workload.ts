import { encodeProtobufTracesFromJson } from '@budgetwatch/otlp';
import { otlpProtobuf, recordToolCallSpans, type ToolCallSpanSpec } from '@budgetwatch/testkit';
import type { Kafka } from 'kafkajs';

export const SPANS_PER_RECORD = 100;
const SERVERS = 20;
const TOOLS_PER_SERVER = 10;

/**
 * Distinct OTLP protobuf records of 100 MCP tool-call spans each, made by the OpenTelemetry JS SDK
 * and its OTLP serializer: 20 servers x 10 tools, 3% errors, latencies 20 ms to 4 s, end times
 * mostly within the last minute with 1% up to two hours late. The bench cycles through them
 * (distinctRecord).
 */
export function toolCallRecords(count: number, nowMs: number): Buffer[] {
  const records: Buffer[] = [];
  for (let r = 0; r < count; r++) {
    const specs: ToolCallSpanSpec[] = [];
    for (let i = 0; i < SPANS_PER_RECORD; i++) {
      const n = r * SPANS_PER_RECORD + i;
      const server = (n * 7) % SERVERS;
      const tool = Math.floor(n / SERVERS) % TOOLS_PER_SERVER;
      // Live traffic: most spans end within the last minute; one in a hundred arrives late.
      const ageMs = n % 100 === 0 ? (n * 7919) % 7_000_000 : (n * 7919) % 60_000;
      specs.push({
        tool: `tool-${tool}`,
        server: `server-${server}`,
        endTimeMs: nowMs - ageMs,
        durationMs: 20 + ((n * 104_729) % 4000),
        error: n % 33 === 0,
        ...(n % 33 === 0 ? { errorType: 'tool_error' } : {}),
        serviceName: `agent-${n % 4}`,
      });
    }
    records.push(Buffer.from(otlpProtobuf(recordToolCallSpans(specs))));
  }
  return records;
}

/**
 * Record `n` of a stream cycling through `pool`: the pool's record with a resource of its own
 * appended (a repeated protobuf field; it has no spans). Every record of the stream is then
 * distinct, as real traffic is, so deduplication claims each and skips none; the spans are the
 * pool record's.
 */
export function distinctRecord(pool: readonly Buffer[], n: number): Buffer {
  const marker = encodeProtobufTracesFromJson({
    resourceSpans: [
      { resource: { attributes: [{ key: 'bench.record', value: { stringValue: String(n) } }] } },
    ],
  });
  return Buffer.concat([pool[n % pool.length] ?? Buffer.alloc(0), marker]);
}

/**
 * Writes `records` distinct records (distinctRecord) cycling through `pool`, spread evenly over
 * `partitions` partitions.
 */
export async function produceRecords(
  kafka: Kafka,
  topic: string,
  pool: readonly Buffer[],
  records: number,
  partitions: number,
): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const perSend = 30;
  const sends: Promise<unknown>[] = [];
  for (let start = 0; start < records; start += perSend) {
    const messages = [];
    for (let i = start; i < Math.min(records, start + perSend); i++) {
      messages.push({ value: distinctRecord(pool, i), partition: i % partitions });
    }
    sends.push(producer.send({ topic, acks: 1, messages }));
    if (sends.length >= 8) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  await producer.disconnect();
}
