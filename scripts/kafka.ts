/**
 * Development broker: `npm run kafka -- start|stop|status|fetch`.
 * Starts the same real KRaft broker the tests use and leaves it running in the background, with
 * its address in .cache/kafka/broker.json; `stop` shuts it down cleanly.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKafkaJars, startLocalKafka, stopLocalKafkaProcess } from '@budgetwatch/testkit';
import { kafkaCacheDir } from '../test/setup/test-bed.js';

interface BrokerState {
  pid: number;
  brokers: string[];
  dataDir: string;
  logFile: string;
}

const cacheDir = kafkaCacheDir();
const stateFile = join(cacheDir, 'broker.json');

function readState(): BrokerState | undefined {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, 'utf8')) as BrokerState;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'fetch': {
      const started = Date.now();
      const jars = await ensureKafkaJars(cacheDir);
      console.log(
        `Kafka ${jars.version} jars in ${jars.libDir} (${jars.fetched ? 'fetched' : 'cached'}, ${Date.now() - started} ms)`,
      );
      return 0;
    }
    case 'start': {
      const running = readState();
      if (running !== undefined && isAlive(running.pid)) {
        console.log(`already running: KAFKA_BROKERS=${running.brokers.join(',')} (pid ${running.pid})`);
        return 0;
      }
      const broker = await startLocalKafka({ cacheDir, exitWithParent: false });
      const state: BrokerState = {
        pid: broker.pid,
        brokers: broker.brokers,
        dataDir: broker.dataDir,
        logFile: broker.logFile,
      };
      writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
      console.log(`Kafka up in ${broker.startupMs} ms (pid ${broker.pid}, log ${broker.logFile})`);
      console.log(`export KAFKA_BROKERS=${broker.brokers.join(',')}`);
      return 0;
    }
    case 'status': {
      const state = readState();
      if (state === undefined || !isAlive(state.pid)) {
        console.log('not running');
        return 1;
      }
      console.log(`running: KAFKA_BROKERS=${state.brokers.join(',')} (pid ${state.pid})`);
      return 0;
    }
    case 'stop': {
      const state = readState();
      if (state === undefined) {
        console.log('not running');
        return 0;
      }
      await stopLocalKafkaProcess(state.pid, state.dataDir);
      rmSync(stateFile, { force: true });
      console.log(`stopped pid ${state.pid}`);
      return 0;
    }
    default:
      console.error('usage: npm run kafka -- <fetch|start|status|stop>');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
