import { fileURLToPath } from 'node:url';

/** Connection info the global setup hands to every integration test (via vitest's provide/inject). */
export interface TestBed {
  kafkaBrokers: string[];
  redisUrl: string;
  /** `local` when this run started its own broker, `external` when KAFKA_BROKERS pointed elsewhere. */
  kafkaSource: 'local' | 'external';
}

declare module 'vitest' {
  export interface ProvidedContext {
    testBed: TestBed;
  }
}

/** The git-ignored cache for downloaded broker jars; BUDGETWATCH_CACHE_DIR moves it. */
export function kafkaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BUDGETWATCH_CACHE_DIR === undefined || env.BUDGETWATCH_CACHE_DIR === ''
    ? fileURLToPath(new URL('../../.cache/kafka', import.meta.url))
    : `${env.BUDGETWATCH_CACHE_DIR}/kafka`;
}

/** KAFKA_BROKERS set means: use that cluster, start nothing. */
export function externalKafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env.KAFKA_BROKERS;
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}
