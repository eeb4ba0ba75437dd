import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { BenchBed } from './bench-bed.js';

const CLI = fileURLToPath(new URL('../services/cli/src/main.ts', import.meta.url));

/** What one group of `budgetwatch ingest-worker` processes reads and where it counts. */
export interface WorkerGroup {
  topic: string;
  /** Must exist: a worker exits at start when one of its topics is missing. */
  deadLetterTopic: string;
  groupId: string;
  keyPrefix: string;
}

/** The environment of a worker process: only what the bench sets, nothing of the caller's. */
export function ingestWorkerEnvironment(
  bed: BenchBed,
  group: WorkerGroup,
  settings: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    BUDGETWATCH_LOG_LEVEL: 'warn',
    KAFKA_BROKERS: bed.brokers.join(','),
    REDIS_URL: bed.redisUrl,
    REDIS_KEY_PREFIX: group.keyPrefix,
    BUDGETWATCH_SPAN_TOPICS: group.topic,
    BUDGETWATCH_DLQ_TOPIC: group.deadLetterTopic,
    BUDGETWATCH_INGEST_GROUP_ID: group.groupId,
    ...settings,
  };
}

/** A worker process and the end of what it printed, to say why it stopped. */
export interface WorkerProcess {
  process: ChildProcess;
  outputTail(): string;
}

const OUTPUT_TAIL_CHARS = 2000;

/** `budgetwatch ingest-worker` from the sources, as `npm run budgetwatch` runs it. */
export function spawnIngestWorker(env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn('node', ['--conditions=@budgetwatch/source', '--import', 'tsx', CLI, 'ingest-worker'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { process: child, outputTail: () => tail };
}

/** Sends `signal` and resolves once the process has exited (at once if it already had). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}
