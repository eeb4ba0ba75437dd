import { createLogger } from '@budgetwatch/logger';
import { toolCallsRecord } from '@budgetwatch/testkit';
import { InMemoryWindowStore } from '@budgetwatch/window-store';
import { describe, expect, it } from 'vitest';
import { InProcessIngest } from './in-process-ingest.js';

const THRESHOLDS = [3000];
const HOUR = 3600_000;

const record = (count: number) => toolCallsRecord('docs', 'search', count);

function ingest(dedupeWindowMs?: number) {
  const store = new InMemoryWindowStore({ thresholdsMs: THRESHOLDS });
  const pipeline = new InProcessIngest({
    store,
    logger: createLogger({ name: 'in-process-test', level: 'silent' }),
    latencyThresholdsMs: THRESHOLDS,
    ...(dedupeWindowMs === undefined ? {} : { dedupeWindowMs }),
  });
  const calls = async () =>
    (await store.readWindow({ server: 'docs', tool: 'search', drill: false }, 2 * HOUR, Date.now())).calls;
  return { store, pipeline, calls };
}

describe('in-process ingest: copies of a record', () => {
  it('counts a record sent twice once, in one batch or in two', async () => {
    const { pipeline, calls } = ingest();
    const copied = record(5);
    await pipeline.send([copied, record(3), copied]);
    await pipeline.flush();
    await pipeline.send([copied]);
    await pipeline.flush();
    expect(await calls()).toBe(8);
    expect(pipeline.metrics).toMatchObject({ records: 4, duplicateRecords: 2, callsApplied: 8 });
  });

  it('with the window at 0, every copy counts', async () => {
    const { pipeline, calls, store } = ingest(0);
    const copied = record(5);
    await pipeline.send([copied, copied]);
    await pipeline.flush();
    expect(await calls()).toBe(10);
    expect(pipeline.metrics.duplicateRecords).toBe(0);
    expect(store.claimCount).toBe(0);
  });
});
