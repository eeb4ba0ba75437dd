import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { expectCounted, expectedPerTool } from '../support/instrumented-agents/budgetwatch-counts.js';
import { connectedEnvironment } from '../support/instrumented-agents/connected-environment.js';
import {
  inventoryByServiceName,
  PROFILE_RUNS,
  runProfile,
  serverOf,
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

describe('each built-in profile counts the real package exactly on Kafka and Redis', () => {
  it.each(PROFILE_RUNS)('$title', async (run) => {
    expect(await runProfile(instance, run)).toBe(50);
    await expectCounted(instance, serverOf(run), run.prefix, expectedPerTool(run.prefix, run.errors));
  });
});

describe('one call counts once on Kafka and Redis', () => {
  it('LangChain TOOL spans and Traceloop MCP spans of the same calls on one agent: 50 calls', async () => {
    const { prefix, errors } = TWO_INSTRUMENTATIONS;
    const classified = await runProfile(instance, TWO_INSTRUMENTATIONS);
    await expectCounted(instance, serverOf(TWO_INSTRUMENTATIONS), prefix, expectedPerTool(prefix, errors));
    expect(classified).toBe(50);
  });
});
