import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { seriesId } from '@budgetwatch/domain';
import { type RedisNamespace, waitFor } from '@budgetwatch/testkit';
import { RedisWindowStore } from '@budgetwatch/window-store';
import { expect, inject, type TestContext } from 'vitest';
import { assignedPartitions, testKafka, type useTopics, waitForGroupCaughtUp } from './kafka.js';
import { redisEnvironment } from './redis.js';
import { SERVERS, SPANS_PER_RECORD, TOOLS, toolCallRecord } from './tool-call-records.js';
import { expectExactCounts } from './window-assertions.js';

const CLI = join(import.meta.dirname, '../../services/cli/src/main.ts');
export const KILLS = 5;
/** Records are produced in chunks of this many (20,000 spans); a kill follows each chunk. */
const RECORDS_PER_CHUNK = 200;
/**
 * Chunks until KILLS (or HANDOVERS) kills landed between a window write and its offset commit, and
 * one more for the last worker: at most this many, or the test fails.
 */
const MAX_CHUNKS = 10;
const PARTITIONS = 3;
const HANDOVERS = 2;
const ALL_PARTITIONS = Array.from({ length: PARTITIONS }, (_, p) => p);
/**
 * A SIGKILLed member's partitions move once its session times out: 2 s rather than the 30 s
 * default, so each kill costs seconds. The test broker allows sessions down to 1 s.
 */
const SESSION_TIMEOUT_MS = 2000;

function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn('node', ['--conditions=@budgetwatch/source', '--import', 'tsx', CLI, 'ingest-worker'], {
    env,
    stdio: 'ignore',
  });
}

interface Worker {
  clientId: string;
  process: ChildProcess;
  /** Per partition, the last offset counted in Redis when the worker was started. */
  appliedAtStart: number[];
}

async function kill(worker: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill(signal);
  await exited;
}

type Topics = ReturnType<typeof useTopics>;

/**
 * A span topic, ingest-worker processes counting it into `namespace`'s Redis (a single server or
 * a cluster), and the checks both crash tests use. `onTestFinished` is the test's own (from its
 * context), so the scenario may run in a concurrent test.
 */
export async function crashScenario(
  topics: Topics,
  namespace: RedisNamespace,
  label: string,
  onTestFinished: TestContext['onTestFinished'],
) {
  const spanTopic = await topics.create(`${label}-spans`, { partitions: PARTITIONS });
  const dlqTopic = await topics.create(`${label}-dlq`);
  const groupId = `bwtest-${label}-${randomUUID()}`;
  const keyPrefix = `${namespace.prefix}${label}:`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
    ...redisEnvironment(namespace.target),
    REDIS_KEY_PREFIX: keyPrefix,
    BUDGETWATCH_SPAN_TOPICS: spanTopic,
    BUDGETWATCH_DLQ_TOPIC: dlqTopic,
    BUDGETWATCH_INGEST_GROUP_ID: groupId,
    BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    // A worker counts a chunk in many batches over more than a second: between two commits it
    // holds counted-but-uncommitted records, so kills land there. Waits for a commit stay short.
    BUDGETWATCH_INGEST_COMMIT_INTERVAL_MS: '1000',
    // Small batches: a chunk is many batches, and all but the first after a commit are uncommitted.
    BUDGETWATCH_INGEST_MAX_BATCH_BYTES: String(64 * 1024),
    BUDGETWATCH_LOG_LEVEL: 'error',
  };
  const now = Date.now();
  const producer = testKafka().producer({ idempotent: true });
  await producer.connect();
  const started: ChildProcess[] = [];
  onTestFinished(async () => {
    // After a failure, workers would otherwise go on running (and loading the machine) for ever.
    for (const child of started) await kill(child, 'SIGKILL');
    await producer.disconnect();
  });
  const store = new RedisWindowStore(namespace.client, keyPrefix, { thresholdsMs: [3000] });
  const seriesIds = SERVERS.flatMap((server) => [
    seriesId({ server, tool: null, drill: false }),
    ...TOOLS.map((tool) => seriesId({ server, tool, drill: false })),
  ]);

  /** The last offset of `partition` counted in Redis (its highest fence), -1 for none. */
  const appliedOffset = async (partition: number): Promise<number> => {
    const fences = await store.readFences(seriesIds, { topic: spanTopic, partition });
    return Math.max(-1, ...fences.values());
  };

  /**
   * True when Redis holds records the group has not committed: a restart re-delivers them, and
   * only the fences keep them from being counted twice. With `since`, only records counted past
   * those offsets (per partition) count: those a worker started then counted itself.
   */
  const countedBeyondCommit = async (partitions = ALL_PARTITIONS, since?: number[]): Promise<boolean> => {
    const [committed] = await topics.admin.fetchOffsets({ groupId, topics: [spanTopic] });
    for (const partition of partitions) {
      const applied = await appliedOffset(partition);
      const next = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      if (since !== undefined && applied <= (since[partition] ?? -1)) continue;
      if (applied >= 0 && applied >= Math.max(next, 0)) return true;
    }
    return false;
  };

  const produceChunk = async (chunk: number) => {
    const record = (r: number) => toolCallRecord(r, now);
    const first = chunk * RECORDS_PER_CHUNK;
    const originals = Array.from({ length: RECORDS_PER_CHUNK }, (_, i) => ({
      value: record(first + i),
      partition: i % PARTITIONS,
    }));
    // Copies, as a Collector that writes a batch again makes them, each on another partition than
    // its original: some go ahead of it (the copy is read first and counts instead), some after
    // it, and some copy the last chunk, which a killed worker may have claimed but not counted.
    // They must add nothing.
    const copies = (ofChunk: number, every: number, at: number, shift: number) =>
      ofChunk < 0
        ? []
        : originals.flatMap((_, i) =>
            i % every === at
              ? [{ value: record(ofChunk * RECORDS_PER_CHUNK + i), partition: (i + shift) % PARTITIONS }]
              : [],
          );
    const ahead = copies(chunk, 20, 0, 1);
    const after = copies(chunk, 20, 10, 2);
    const earlier = copies(chunk - 1, 10, 5, 1);
    const messages = [...ahead, ...originals, ...after, ...earlier];
    for (let i = 0; i < messages.length; i += 50) {
      await producer.send({ topic: spanTopic, messages: messages.slice(i, i + 50) });
    }
  };

  /** The partitions the group has assigned to the member started with `clientId`. */
  const assignedTo = (clientId: string) => assignedPartitions(topics.admin, groupId, spanTopic, clientId);

  /**
   * Waits until one of `workers` has itself counted records in Redis that the group has not
   * committed, on partitions it owns, and SIGKILLs it there. Returns its index, and whether it died
   * holding counted but uncommitted records; null when no poll caught such a moment before the
   * chunk was counted and committed (a loaded machine polls late): the caller sends another chunk.
   */
  const killWhileUncommitted = async (
    workers: readonly Worker[],
    chunk: number,
  ): Promise<{ killed: number; landed: boolean } | null> => {
    let victim = -1;
    let owned: number[] = [];
    const caught = await waitFor(
      async () => {
        for (const [index, worker] of workers.entries()) {
          owned = await assignedTo(worker.clientId);
          if (owned.length > 0 && (await countedBeyondCommit(owned, worker.appliedAtStart))) {
            victim = index;
            return true;
          }
        }
        return false;
      },
      {
        description: `counted but not committed records (chunk ${chunk})`,
        timeoutMs: 20_000,
        intervalMs: 20,
      },
    ).then(
      () => true,
      () => false,
    );
    if (!caught) return null;
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 150)));
    await kill((workers[victim] as Worker).process, 'SIGKILL');
    // Nobody owns those partitions until the session times out: this is what the next owner reads.
    return { killed: victim, landed: await countedBeyondCommit(owned) };
  };

  return {
    store,
    /**
     * An ingest-worker process. Every process gets its own client id, so a dead member still in
     * the group is never taken for its successor.
     */
    startWorker: async (clientId: string): Promise<Worker> => {
      const appliedAtStart = await Promise.all(ALL_PARTITIONS.map(appliedOffset));
      const child = startWorker({ ...env, KAFKA_CLIENT_ID: clientId });
      started.push(child);
      return { clientId, process: child, appliedAtStart };
    },
    produceChunk,
    killWhileUncommitted,
    /** Waits until the partitions the group assigned to each of `workers` satisfy `holds`. */
    assignedTo: (workers: readonly Worker[], holds: (owned: number[]) => boolean) =>
      waitFor(async () => (await Promise.all(workers.map((w) => assignedTo(w.clientId)))).every(holds), {
        description: `partitions assigned to ${workers.map((w) => w.clientId).join(', ')}`,
        timeoutMs: 60_000,
      }),
    caughtUp: (timeoutMs: number) => waitForGroupCaughtUp(topics.admin, groupId, spanTopic, timeoutMs),
    close: () => producer.disconnect(),
  };
}

type CrashScenario = Awaited<ReturnType<typeof crashScenario>>;

/** Starts ingest-worker processes, each with a client id of its own. */
function incarnations(scenario: CrashScenario): () => Promise<Worker> {
  let incarnation = 0;
  return () => scenario.startWorker(`bwtest-worker-${++incarnation}`);
}

/**
 * One worker, SIGKILLed after a chunk of the stream once it has counted records it has not
 * committed, and restarted, until KILLS kills landed there; a last chunk for the last worker: the
 * counters must still be exact.
 */
export async function countsExactlyThroughRestarts(scenario: CrashScenario): Promise<void> {
  const start = incarnations(scenario);
  let worker = await start();
  let chunks = 0;
  let kills = 0;
  let killsInsideWindow = 0;
  while (killsInsideWindow < KILLS && chunks < MAX_CHUNKS - 1) {
    const chunk = chunks++;
    await scenario.produceChunk(chunk);
    const outcome = await scenario.killWhileUncommitted([worker], chunk);
    if (outcome === null) continue;
    kills += 1;
    if (outcome.landed) killsInsideWindow += 1;
    worker = await start();
  }
  await scenario.produceChunk(chunks++);
  await scenario.close();
  expect(killsInsideWindow, `${kills} kills, ${killsInsideWindow} between write and commit`).toBe(KILLS);

  await scenario.caughtUp(60_000);
  await kill(worker.process, 'SIGTERM');
  await expectExactCounts(scenario.store, chunks * RECORDS_PER_CHUNK * SPANS_PER_RECORD);
}

/**
 * Two workers; one is SIGKILLed holding uncommitted records, the survivor takes its partitions
 * over, HANDOVERS times; a last chunk for both: the counters must still be exact.
 */
export async function countsExactlyThroughHandovers(scenario: CrashScenario): Promise<void> {
  const start = incarnations(scenario);
  const workers = [await start(), await start()];
  let chunks = 0;
  let handovers = 0;
  while (handovers < HANDOVERS && chunks < MAX_CHUNKS - 1) {
    await scenario.assignedTo(workers, (owned) => owned.length > 0);
    const chunk = chunks++;
    await scenario.produceChunk(chunk);
    const outcome = await scenario.killWhileUncommitted(workers, chunk);
    if (outcome === null) continue;
    const { killed, landed } = outcome;
    const survivor = workers.filter((_, index) => index !== killed);
    // Once the session times out, the survivor owns every partition and catches up alone.
    await scenario.assignedTo(survivor, (owned) => owned.length === PARTITIONS);
    await scenario.caughtUp(60_000);
    if (landed) handovers += 1;
    workers[killed] = await start();
  }
  await scenario.produceChunk(chunks++);
  await scenario.close();
  expect(handovers).toBe(HANDOVERS);
  await scenario.caughtUp(60_000);
  await Promise.all(workers.map((worker) => kill(worker.process, 'SIGTERM')));
  await expectExactCounts(scenario.store, chunks * RECORDS_PER_CHUNK * SPANS_PER_RECORD);
}
