import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { connectedEnvironment } from '../support/instrumented-agents/connected-environment.js';
import { describeProfileRuns } from '../support/instrumented-agents/profile-run-tests.js';
import {
  inventoryByServiceName,
  PROFILE_RUNS,
  TWO_INSTRUMENTATIONS,
} from '../support/instrumented-agents/profile-runs.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

/**
 * The real instrumentation packages into `budgetwatch start` on Kafka and Redis: spans through the
 * OTLP intake, the span topic and the ingest worker into Redis windows, counted as on embedded
 * defaults (instrumented-agents-embedded.test.ts).
 */

const topics = useTopics();
const namespace = await useRedisNamespace('instrumented-agents');

let instance: BudgetwatchInstance;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bw-agents-connected-'));
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(
    inventory,
    stringify({ servers: inventoryByServiceName([...PROFILE_RUNS, TWO_INSTRUMENTATIONS]) }),
  );
  instance = await startBudgetwatch(['start'], {
    BUDGETWATCH_INVENTORY: inventory,
    ...(await connectedEnvironment(topics, namespace, 'agents')),
  });
});

afterAll(async () => {
  await instance?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describeProfileRuns('Kafka and Redis', () => instance);
