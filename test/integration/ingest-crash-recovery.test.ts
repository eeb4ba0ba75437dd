import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { seriesId } from '@budgetwatch/domain';
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
/** Records are produced in chunks; a kill follows a chunk until KILLS kills landed in the window. */
const CHUNKS = 10;
const PARTITIONS = 3;
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

async function kill(worker: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill(signal);
  await exited;
}

describe('exactly-once counting while the worker is SIGKILLed', () => {
  it(`200,000 spans with ${KILLS} SIGKILLs between window write and offset commit: exact counters`, async () => {
    const spanTopic = await topics.create('crash-spans', { partitions: PARTITIONS });
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
      // Long enough that counted-but-uncommitted records are the normal state, so kills land there.
      BUDGETWATCH_INGEST_COMMIT_INTERVAL_MS: '5000',
      BUDGETWATCH_LOG_LEVEL: 'error',
    };
    const now = Date.now();
    const producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    const store = new RedisWindowStore(namespace.client, namespace.prefix, { thresholdsMs: [3000] });
    const seriesIds = SERVERS.flatMap((server) => [
      seriesId({ server, tool: null, drill: false }),
      ...TOOLS.map((tool) => seriesId({ server, tool, drill: false })),
    ]);

    /**
     * True when Redis holds records the group has not committed: a restart re-delivers them, and
     * only the fences keep them from being counted twice.
     */
    const countedBeyondCommit = async (): Promise<boolean> => {
      const [committed] = await topics.admin.fetchOffsets({ groupId, topics: [spanTopic] });
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const fences = await store.readFences(seriesIds, { topic: spanTopic, partition });
        const applied = Math.max(...fences.values());
        const next = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
        if (applied >= 0 && applied >= Math.max(next, 0)) return true;
      }
      return false;
    };

    let worker = startWorker(env);
    let kills = 0;
    let killsInsideWindow = 0;
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      const messages = Array.from({ length: RECORDS / CHUNKS }, (_, i) => ({
        value: spanRecord(chunk * (RECORDS / CHUNKS) + i, now),
      }));
      for (let i = 0; i < messages.length; i += 50) {
        await producer.send({ topic: spanTopic, messages: messages.slice(i, i + 50) });
      }
      if (killsInsideWindow >= KILLS) continue;
      await waitFor(countedBeyondCommit, {
        description: `records counted but not committed (chunk ${chunk})`,
        timeoutMs: 60_000,
        intervalMs: 20,
      });
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 150)));
      await kill(worker, 'SIGKILL');
      kills += 1;
      // The worker is dead: what Redis and the group hold now is what the restart starts from.
      if (await countedBeyondCommit()) killsInsideWindow += 1;
      worker = startWorker(env);
    }
    await producer.disconnect();
    expect(killsInsideWindow, `${kills} kills, ${killsInsideWindow} between write and commit`).toBe(KILLS);

    await waitForGroupCaughtUp(topics.admin, groupId, spanTopic, 120_000);
    await kill(worker, 'SIGTERM');

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
    let rolledUp = 0;
    for (const server of SERVERS) {
      rolledUp += (await store.readWindow({ server, tool: null, drill: false }, 2 * HOUR, Date.now())).calls;
    }
    expect(rolledUp).toBe(total);
  }, 400_000);
});
