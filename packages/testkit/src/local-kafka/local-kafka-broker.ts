import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { freeLoopbackPort } from '../free-port.js';
import { runProcess } from '../run-process.js';
import { WaitAbortedError, waitFor } from '../wait-for.js';
import { kraftClusterId, renderBrokerProperties } from './broker-properties.js';
import { ensureKafkaJars, KAFKA_RESOURCES_DIR, KAFKA_VERSION } from './kafka-jars.js';

export interface StartLocalKafkaOptions {
  /** Where the broker jars are cached between runs. */
  cacheDir: string;
  version?: string;
  /** JVM heap ceiling; the default keeps the broker modest on a 2-core machine. */
  heap?: string;
  startTimeoutMs?: number;
  /**
   * Kill the broker if this Node process dies without stopping it (test runs). The development CLI
   * turns this off so the broker outlives the command that started it.
   */
  exitWithParent?: boolean;
  brokerOverrides?: Readonly<Record<string, string>>;
  /** Serve SASL/PLAIN instead of PLAINTEXT, for these users (the first is the broker's own). */
  saslPlainUsers?: Readonly<Record<string, string>>;
}

export interface LocalKafka {
  brokers: string[];
  /** The running broker process (the last one, once halted). */
  readonly pid: number;
  dataDir: string;
  logFile: string;
  /** Milliseconds from spawning the JVM to the first successful metadata request. */
  startupMs: number;
  /** True when this start had to fetch the jars (cold cache). */
  fetchedJars: boolean;
  /** Stops the broker process but keeps its data and ports: an outage that `restart` ends. */
  halt(): Promise<void>;
  /** Starts a halted broker again on the same ports and data; resolves with its startup ms. */
  restart(): Promise<number>;
  /** Stops the broker and deletes its data. */
  stop(): Promise<void>;
}

/**
 * Starts a real single-node Apache Kafka broker (KRaft combined mode) on free loopback ports and
 * resolves once it answers a metadata request.
 */
export async function startLocalKafka(options: StartLocalKafkaOptions): Promise<LocalKafka> {
  const jars = await ensureKafkaJars(options.cacheDir, options.version ?? KAFKA_VERSION);
  const [brokerPort, controllerPort] = await distinctFreePorts();
  const dataDir = mkdtempSync(join(tmpdir(), 'budgetwatch-kafka-'));
  const propertiesFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j2.properties');
  const logFile = join(dataDir, 'broker.log');
  writeFileSync(
    propertiesFile,
    renderBrokerProperties({
      brokerPort,
      controllerPort,
      logDir: join(dataDir, 'data'),
      ...(options.brokerOverrides === undefined ? {} : { overrides: options.brokerOverrides }),
      ...(options.saslPlainUsers === undefined ? {} : { saslPlainUsers: options.saslPlainUsers }),
    }),
  );
  copyFileSync(join(KAFKA_RESOURCES_DIR, 'log4j2.properties'), log4jFile);

  const classPath = `${jars.libDir}/*`;
  const jvmArgs = [
    `-Xms128m`,
    `-Xmx${options.heap ?? '768m'}`,
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp',
    classPath,
  ];
  const format = await runProcess('java', [
    ...jvmArgs,
    'kafka.tools.StorageTool',
    'format',
    '--cluster-id',
    kraftClusterId(randomBytes),
    '--config',
    propertiesFile,
  ]);
  if (format.code !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`kafka-storage format failed (exit ${format.code}):\n${format.output.slice(-4000)}`);
  }

  const launch = async (): Promise<Launched> => {
    const started = Date.now();
    const logFd = openSync(logFile, 'a');
    const broker = spawn('java', [...jvmArgs, '-XX:+UseG1GC', 'kafka.Kafka', propertiesFile], {
      stdio: ['ignore', logFd, logFd],
      detached: options.exitWithParent === false,
    });
    closeSync(logFd);
    const pid = broker.pid;
    if (pid === undefined)
      throw new Error('could not spawn java for the Kafka broker (is Java 17+ installed?)');
    const watchdog = options.exitWithParent === false ? undefined : spawnWatchdog(process.pid, pid);
    if (options.exitWithParent === false) broker.unref();
    const exited = trackExit(broker);
    const launched = { broker, pid, exited, watchdog, startupMs: 0 };
    try {
      await waitFor(
        async () => {
          if (exited.code !== undefined) {
            throw new WaitAbortedError(`the broker exited with code ${exited.code}:\n${tail(logFile)}`);
          }
          return (await answersMetadata(brokers, probeSasl)) ? true : undefined;
        },
        {
          description: `Kafka broker on ${brokers[0]} to answer a metadata request`,
          timeoutMs: options.startTimeoutMs ?? 90_000,
          intervalMs: 150,
        },
      );
    } catch (error) {
      await halt(launched);
      throw error;
    }
    launched.startupMs = Date.now() - started;
    return launched;
  };
  const halt = async (launched: Launched) => {
    await stopProcess(launched.broker, launched.exited);
    launched.watchdog?.kill('SIGKILL');
  };

  const brokers = [`127.0.0.1:${brokerPort}`];
  const [probeUser] = Object.entries(options.saslPlainUsers ?? {});
  const probeSasl =
    probeUser === undefined
      ? undefined
      : { mechanism: 'plain' as const, username: probeUser[0], password: probeUser[1] };
  let running: Launched | undefined = await launch();
  const firstStart = running;
  let stopped: Promise<void> | undefined;
  return {
    brokers,
    get pid() {
      return (running ?? firstStart).pid;
    },
    dataDir,
    logFile,
    startupMs: firstStart.startupMs,
    fetchedJars: jars.fetched,
    async halt() {
      if (running === undefined) return;
      const current = running;
      running = undefined;
      await halt(current);
    },
    async restart() {
      if (stopped !== undefined) throw new Error('the broker was stopped for good');
      if (running !== undefined) return running.startupMs;
      running = await launch();
      return running.startupMs;
    },
    stop() {
      stopped ??= (async () => {
        if (running !== undefined) await halt(running);
        running = undefined;
        rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** One run of the broker process. */
interface Launched {
  broker: ChildProcess;
  pid: number;
  exited: ExitState;
  watchdog: ChildProcess | undefined;
  startupMs: number;
}

async function distinctFreePorts(): Promise<[number, number]> {
  for (;;) {
    const first = await freeLoopbackPort();
    const second = await freeLoopbackPort();
    if (first !== second) return [first, second];
  }
}

/** One kafkajs metadata round trip; false while the broker is not up yet. */
async function answersMetadata(brokers: string[], sasl?: SASLOptions): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'budgetwatch-local-kafka-probe',
    brokers,
    ...(sasl === undefined ? {} : { sasl }),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

interface ExitState {
  code: number | null | undefined;
  done: Promise<unknown>;
}

function trackExit(child: ChildProcess): ExitState {
  const state: ExitState = { code: undefined, done: once(child, 'exit') };
  child.once('exit', (code, signal) => {
    state.code = code ?? (signal === null ? null : -1);
  });
  return state;
}

/** SIGTERM lets the broker shut down cleanly; SIGKILL only if it hangs. */
async function stopProcess(child: ChildProcess, exited: ExitState, graceMs = 30_000): Promise<void> {
  if (exited.code !== undefined) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited.done;
  clearTimeout(timer);
}

/** A tiny shell loop that kills the broker when the test runner dies without tearing down. */
function spawnWatchdog(parentPid: number, brokerPid: number): ChildProcess {
  const script = `while kill -0 ${parentPid} 2>/dev/null && kill -0 ${brokerPid} 2>/dev/null; do sleep 2; done; kill -TERM ${brokerPid} 2>/dev/null`;
  const watchdog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  watchdog.unref();
  return watchdog;
}

/** Stops a broker started by another process (the development CLI), given its pid. */
export async function stopLocalKafkaProcess(pid: number, dataDir: string, graceMs = 30_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) {
    process.kill(pid, 'SIGTERM');
    try {
      await waitFor(() => !alive(), {
        description: `broker pid ${pid} to exit`,
        timeoutMs: graceMs,
        intervalMs: 200,
      });
    } catch {
      process.kill(pid, 'SIGKILL');
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

function tail(file: string, bytes = 4000): string {
  try {
    return readFileSync(file, 'utf8').slice(-bytes);
  } catch {
    return '(no broker log)';
  }
}
