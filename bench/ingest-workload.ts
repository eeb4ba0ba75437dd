import { otlpProtobuf, recordToolCallSpans, type ToolCallSpanSpec } from '@budgetwatch/testkit';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { Kafka } from 'kafkajs';

export const SPANS_PER_RECORD = 100;
const SERVERS = 20;
const TOOLS_PER_SERVER = 10;

/**
 * Distinct OTLP protobuf records of 100 MCP tool-call spans each, made by the OpenTelemetry JS SDK
 * and its OTLP serializer: 20 servers x 10 tools, 3% errors, latencies 20 ms to 4 s, end times
 * mostly within the last minute with 1% up to two hours late. The bench cycles through them.
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

/** Writes `records` records cycling through `pool`, spread evenly over `partitions` partitions. */
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
      messages.push({ value: pool[i % pool.length] ?? null, partition: i % partitions });
    }
    sends.push(producer.send({ topic, acks: 1, messages }));
    if (sends.length >= 8) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  await producer.disconnect();
}

/**
 * Distinct OTLP protobuf records of 100 spans of agent traffic, 95 of them not tool calls, made
 * by the OpenTelemetry JS SDK: five agent turns per record, each an `invoke_agent` span over LLM
 * chat, HTTP and database client spans with the attributes their instrumentations set. Four turns
 * make a tool call, each as another instrumentation emits it: an MCP client span (semantic
 * conventions), a Traceloop MCP span, an OpenInference TOOL span, and an AI SDK tool span
 * wrapping a Traceloop span (one call, counted once); the fifth only chats.
 */
export function mixedRecords(count: number, nowMs: number): Buffer[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'research-agent', 'service.version': '1.4.2' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench-mixed');
  const records: Buffer[] = [];
  for (let r = 0; r < count; r++) {
    for (let turn = 0; turn < 5; turn++) {
      const n = r * 5 + turn;
      const end = nowMs - ((n * 7919) % 60_000);
      const start = end - 2000;
      const root = tracer.startSpan('invoke_agent research', {
        kind: SpanKind.INTERNAL,
        startTime: start,
        attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'research' },
      });
      const parent = trace.setSpan(context.active(), root);
      const child = (name: string, kind: SpanKind, attributes: Record<string, string | number | boolean>) =>
        tracer.startSpan(name, { kind, startTime: start + 10, attributes }, parent).end(end - 10);
      for (let i = 0; i < 4; i++) {
        child('chat gpt-4o', SpanKind.CLIENT, {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.input_tokens': 812 + i,
          'gen_ai.usage.output_tokens': 96,
          'gen_ai.response.finish_reasons': 'stop',
          'gen_ai.input.messages': `[{"role":"user","content":"Summarise the open incidents of turn ${n} and their owners"}]`,
        });
      }
      for (let i = 0; i < 8; i++) {
        child('GET', SpanKind.CLIENT, {
          'http.request.method': 'GET',
          'url.full': `https://api.internal.example/v2/items/${n}-${i}?expand=owner`,
          'server.address': 'api.internal.example',
          'server.port': 443,
          'http.response.status_code': i === 7 ? 503 : 200,
          'network.protocol.version': '1.1',
        });
      }
      for (let i = 0; i < (turn === 3 ? 5 : 6); i++) {
        child('SELECT incidents', SpanKind.CLIENT, {
          'db.system.name': 'postgresql',
          'db.namespace': 'ops',
          'db.operation.name': 'SELECT',
          'db.query.text': 'SELECT id, owner FROM incidents WHERE state = $1 LIMIT 50',
          'server.address': 'db.internal',
        });
      }
      const tool = `tool-${n % 10}`;
      if (turn === 0) {
        child(`tools/call ${tool}`, SpanKind.CLIENT, {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': tool,
          'mcp.server.name': `server-${n % 20}`,
        });
      } else if (turn === 1 || turn === 3) {
        const traceloop = { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': tool };
        if (turn === 1) child(`${tool}.tool`, SpanKind.CLIENT, traceloop);
        else {
          const sdk = tracer.startSpan(
            'ai.toolCall',
            {
              startTime: start + 20,
              attributes: { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': tool },
            },
            parent,
          );
          tracer
            .startSpan(
              `${tool}.tool`,
              { kind: SpanKind.CLIENT, startTime: start + 30, attributes: traceloop },
              trace.setSpan(parent, sdk),
            )
            .end(end - 30);
          sdk.end(end - 20);
        }
      } else if (turn === 2) {
        child(tool, SpanKind.INTERNAL, { 'openinference.span.kind': 'TOOL', 'tool.name': tool });
      } else {
        child('chat gpt-4o', SpanKind.CLIENT, {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o',
        });
      }
      root.end(end);
    }
    records.push(Buffer.from(otlpProtobuf(exporter.getFinishedSpans() as ReadableSpan[])));
    exporter.reset();
  }
  return records;
}
