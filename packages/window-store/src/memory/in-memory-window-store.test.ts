import { DRILL_SERIES_LIFETIME_MS } from '@budgetwatch/domain';
import { describe, expect, it } from 'vitest';
import { writeBatchExactlyOnce } from '../apply-batch.js';
import { okCall, SOURCE, THRESHOLDS, windowStoreContract } from '../window-store.contract.js';
import { InMemoryWindowStore } from './in-memory-window-store.js';

windowStoreContract(
  'in-memory',
  (_label, now, cardinality) => new InMemoryWindowStore({ thresholdsMs: THRESHOLDS, cardinality }, now),
);

describe('in-memory window store memory', () => {
  it('holds only the live series again once a write has forgotten 1,000 drills', async () => {
    let now = Date.UTC(2026, 10, 25, 12, 0, 0);
    // Caps above the drills' series: this is about forgetting them, not about admitting them.
    const cardinality = { maxToolsPerServer: 1000, maxToolSeries: 2000, maxUnregisteredServers: 100 };
    const store = new InMemoryWindowStore({ thresholdsMs: THRESHOLDS, cardinality }, () => now);
    const write = (server: string, tool: string, drill: boolean, offset: number) =>
      writeBatchExactlyOnce(
        store,
        SOURCE,
        [{ call: okCall({ server, tool, drill }, now - 1000), offset }],
        offset,
        now,
        THRESHOLDS,
      );
    await write('orders', 'create', false, 0);
    const baseline = store.size;
    for (let run = 1; run <= 1000; run++)
      await write(`server-${run % 10}`, `drill-latency-${run}`, true, run);
    expect(store.size).toBe(baseline + 1000 + 10);

    now += DRILL_SERIES_LIFETIME_MS + 1;
    await write('orders', 'create', false, 1001);
    expect(store.size).toBe(baseline);
  });
});
