import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { encodeProtobufTracesFromJson } from '@budgetwatch/otlp';
import { waitFor } from '@budgetwatch/testkit';
import { RedisWindowStore } from '@budgetwatch/window-store';
import { describe, expect, inject, it } from 'vitest';
import { testKafka, useTopics, waitForGroupCaughtUp } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const CLI = join(import.meta.dirname, '../../services/cli/src/main.ts');
const RECORDS = 2000;
const SPANS_PER_RECORD = 100;
const TOOLS = ['search', 'write', 'read', 'pay', 'lookup'];
const SERVERS = ['docs', 'crm'];
const KILLS = 5;
const HOUR = 3600_000;

const topics = useTopics();
const namespace = await useRedisNamespace('crash-recovery');

/** One OTLP record of 100 tool-call spans; span i of record r has a deterministic series and outcome. */
function spanRecord(record: number, now: number): Buffer {
  const spans = Array.from({ length: SPANS_PER_RECORD }, (_, i) => {
    const n = record * SPANS_PER_RECORD + i;
    const end = now - (n % 3000) * 1000;
    return {
      traceId: n.toString(16).padStart(32, '0'),
      spanId: (n + 1).toString(16).padStart(16, '0'),
      name: `tools/call ${TOOLS[n % TOOLS.length]}`,
      kind: 3,
      startTimeUnixNano: String((end - 50) * 1e6),
      endTimeUnixNano: String(end * 1e6),
      attributes: [
        { key: 'mcp.method.name', value: { stringValue: 'tools/call' } },
        { key: 'gen_ai.tool.name', value: { stringValue: TOOLS[n % TOOLS.length] } },
        { key: 'mcp.server.name', value: { stringValue: SERVERS[n % SERVERS.length] } },
      ],
      status: { code: n % 10 === 0 ? 2 : 0 },
    };
  });
  return Buffer.from(encodeProtobufTracesFromJson({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
}

function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn('node', ['--conditions=@budgetwatch/source', '--import', 'tsx', CLI, 'ingest-worker'], {
    env,
    stdio: 'ignore',
  });
}

describe('exactly-once counting while the worker is SIGKILLed', () => {
  it(`200,000 spans with ${KILLS} SIGKILLs and restarts: every counter equals what was produced`, async () => {
    const spanTopic = await topics.create('crash-spans', { partitions: 3 });
    const dlqTopic = await topics.create('crash-dlq');
    const groupId = `bwtest-crash-${randomUUID()}`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_SPAN_TOPICS: spanTopic,
      BUDGETWATCH_DLQ_TOPIC: dlqTopic,
      BUDGETWATCH_INGEST_GROUP_ID: groupId,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
      BUDGETWATCH_LOG_LEVEL: 'error',
    };
    const now = Date.now();
    const kafka = testKafka();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();

    let worker = startWorker(env);
    const producing = (async () => {
      for (let start = 0; start < RECORDS; start += 50) {
        const messages = Array.from({ length: 50 }, (_, i) => ({ value: spanRecord(start + i, now) }));
        await producer.send({ topic: spanTopic, messages });
      }
    })();

    // Kill at moments spread over the stream, whatever the worker is doing then.
    const store = new RedisWindowStore(namespace.client, namespace.prefix, { thresholdsMs: [3000] });
    const counted = async () => {
      let total = 0;
      for (const server of SERVERS) {
        total += (await store.readWindow({ server, tool: null, drill: false }, 2 * HOUR, Date.now())).calls;
      }
      return total;
    };
    for (let kill = 1; kill <= KILLS; kill++) {
      const before = await counted();
      await waitFor(async () => (await counted()) > before, {
        description: `progress before kill ${kill}`,
        timeoutMs: 60_000,
        intervalMs: 50 + Math.floor(Math.random() * 300),
      });
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));
      worker = startWorker(env);
    }
    await producing;
    await producer.disconnect();

    await waitForGroupCaughtUp(topics.admin, groupId, spanTopic, 120_000);
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));

    const total = RECORDS * SPANS_PER_RECORD;
    for (const server of SERVERS) {
      for (const tool of TOOLS) {
        const expectedCalls = Array.from({ length: total }, (_, n) => n).filter(
          (n) => TOOLS[n % TOOLS.length] === tool && SERVERS[n % SERVERS.length] === server,
        );
        const window = await store.readWindow({ server, tool, drill: false }, 2 * HOUR, Date.now());
        expect({ server, tool, calls: window.calls, errors: window.errors }).toEqual({
          server,
          tool,
          calls: expectedCalls.length,
          errors: expectedCalls.filter((n) => n % 10 === 0).length,
        });
      }
    }
    expect(await counted()).toBe(total);
  }, 300_000);
});
