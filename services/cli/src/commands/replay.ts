import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '@budgetwatch/config';
import { createProducer } from '@budgetwatch/kafka';
import { createLogger } from '@budgetwatch/logger';
import { TraceFileError, traceFileRecords } from '@budgetwatch/otlp';
import { ExitCode } from '../exit-codes.js';
import { connectedKafka } from './connected-kafka.js';
import { requireConnections } from './require-connections.js';

export interface ReplayOptions {
  topic?: string;
  maxSpansPerRecord: number;
}

const SEND_RECORDS = 100;

/**
 * Feeds an OTLP trace file (protobuf, JSON or JSON Lines) into the span topic as protobuf records,
 * the way the Collector's kafka exporter would have written them.
 */
export async function replay(
  file: string,
  options: ReplayOptions,
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'replay', ['kafka']);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new ConfigError([
      {
        source: { kind: 'default' },
        path: 'FILE',
        reason: `cannot read ${file}: ${(error as Error).message}`,
      },
    ]);
  }
  let parsed: ReturnType<typeof traceFileRecords>;
  try {
    parsed = traceFileRecords(bytes, { maxSpansPerRecord: options.maxSpansPerRecord });
  } catch (error) {
    if (error instanceof TraceFileError) {
      throw new ConfigError([
        { source: { kind: 'default' }, path: 'FILE', reason: `${file}: ${error.message}` },
      ]);
    }
    throw error;
  }

  const topic = options.topic ?? config.topics.spans[0] ?? 'otlp_spans';
  const logger = createLogger({ name: 'replay', level: config.log.level });
  const producer = createProducer(await connectedKafka(config.kafka, logger, [topic]));
  await producer.connect();
  try {
    for (let start = 0; start < parsed.records.length; start += SEND_RECORDS) {
      await producer.send({
        topic,
        acks: -1,
        messages: parsed.records
          .slice(start, start + SEND_RECORDS)
          .map((record) => ({ value: Buffer.from(record.buffer, record.byteOffset, record.length) })),
      });
    }
  } finally {
    await producer.disconnect();
  }
  out.write(
    `replayed ${parsed.spans} spans from ${file} (${parsed.format}) as ${parsed.records.length} records to ${topic}\n`,
  );
  return ExitCode.ok;
}
