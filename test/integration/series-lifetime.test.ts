import {
  DRILL_SCENARIOS,
  DRILL_SERIES_LIFETIME_MS,
  type DrillScenarioName,
  type PositionedCall,
  SERIES_EXPIRY_MARGIN_MS,
  type SeriesRef,
  seriesId,
} from '@budgetwatch/domain';
import { drillCalls, drillTool } from '@budgetwatch/drills';
import {
  FenceCache,
  FORGET_EVERY_MS,
  RedisWindowStore,
  writeBatchExactlyOnce,
} from '@budgetwatch/window-store';
import { okCall, SOURCE, THRESHOLDS } from '@budgetwatch/window-store/contract';
import { describe, expect, it } from 'vitest';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('series-lifetime');
const START = Date.UTC(2026, 10, 25, 12, 0, 0);
const SCENARIOS = Object.keys(DRILL_SCENARIOS) as DrillScenarioName[];
const DRILL_SERVERS = ['orders-mcp', 'payments-mcp', 'search-mcp', 'crm-mcp', 'docs-mcp'];
const DRILLS = 1000;
/** One drill every 6 s of the injected clock: 600 within a drill series' lifetime. */
const DRILL_EVERY_MS = 6000;

/** Every key under `prefix` with its size (MEMORY USAGE counting every element), sorted by key. */
async function keyMemory(prefix: string): Promise<[key: string, bytes: number][]> {
  const keys = (await namespace.keys()).filter((key) => key.startsWith(prefix)).sort();
  const pipeline = namespace.client.pipeline();
  for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
  const replies = (await pipeline.exec()) ?? [];
  return keys.map((key, i) => {
    const [error, bytes] = replies[i] ?? [new Error('no reply'), null];
    if (error) throw error;
    return [key, Number(bytes)];
  });
}

const totalBytes = (memory: [string, number][]) => memory.reduce((sum, [, bytes]) => sum + bytes, 0);
const ids = (series: readonly SeriesRef[]) => series.map(seriesId).sort();

describe('drill series in the Redis window store', () => {
  it(`${DRILLS.toLocaleString('en')} drills: the index and the memory of their keys return to the baseline once their lifetime has passed`, async () => {
    const prefix = `${namespace.prefix}drills:`;
    let now = START;
    // Caps above the hour of drills (600 series): this is about forgetting them, not admitting them.
    const cardinality = { maxToolsPerServer: 1000, maxToolSeries: 5000, maxUnregisteredServers: 100 };
    const store = new RedisWindowStore(
      namespace.client,
      prefix,
      { thresholdsMs: THRESHOLDS, cardinality },
      () => now,
    );
    const cache = new FenceCache();
    let offset = 0;
    const write = (calls: PositionedCall['call'][]) => {
      offset += 1;
      const entries = calls.map((call) => ({ call, offset }));
      return writeBatchExactlyOnce(store, SOURCE, entries, offset, now, THRESHOLDS, cache);
    };

    // Production traffic, there before the drills and still live after them: 20 tools on 2 servers.
    for (let i = 0; i < 20; i++) {
      await write([okCall({ server: `prod-${i % 2}`, tool: `tool-${i}`, drill: false }, now - 1000)]);
    }
    const baseline = { series: ids(await store.activeSeries(0)), memory: await keyMemory(prefix) };
    expect(baseline.series).toHaveLength(22);

    // Each drill as `budgetwatch drill` writes it: the scenario's calls on a new tool of the
    // drilled server (and that server's drill rollup), in one record.
    const drillIndex = `${prefix}series:active:drill`;
    let mostDrillSeries = 0;
    for (let run = 0; run < DRILLS; run++) {
      now = START + run * DRILL_EVERY_MS;
      const scenario = DRILL_SCENARIOS[SCENARIOS[run % SCENARIOS.length] as DrillScenarioName];
      const server = DRILL_SERVERS[run % DRILL_SERVERS.length] as string;
      const tool = drillTool(scenario.name, run.toString(16).padStart(8, '0'));
      await write(
        drillCalls(scenario, now).map((call) => ({
          server,
          tool,
          drill: true,
          outcome: call.policyDenied ? 'blocked_unexpected' : call.error ? 'error' : 'ok',
          fallback: false,
          latencyMs: call.durationMs,
          eventTimeMs: call.endMs,
          unregistered: false,
        })),
      );
      mostDrillSeries = Math.max(mostDrillSeries, await namespace.client.zcard(drillIndex));
    }
    // While drills go on, writes forget the quiet ones: the index holds the drills of the last hour
    // and of the minute since the last pass, and the servers' drill rollups; not all of them.
    const drillsKept = (DRILL_SERIES_LIFETIME_MS + FORGET_EVERY_MS) / DRILL_EVERY_MS;
    expect(mostDrillSeries).toBeGreaterThan(DRILL_SERIES_LIFETIME_MS / DRILL_EVERY_MS);
    expect(mostDrillSeries).toBeLessThanOrEqual(drillsKept + DRILL_SERVERS.length);
    const duringDrills = await keyMemory(prefix);
    expect(totalBytes(duringDrills)).toBeGreaterThan(totalBytes(baseline.memory) + 5_000_000);

    // The last drill's lifetime passes: what expires drill series runs, and nothing of them is left.
    now += DRILL_SERIES_LIFETIME_MS + 1;
    await store.forgetQuietSeries();
    expect(ids(await store.activeSeries(0))).toEqual(baseline.series);
    const isAdmission = ([key]: [string, number]) => key.includes('{admission}');
    const after = await keyMemory(prefix);
    expect(after.filter((entry) => !isAdmission(entry))).toEqual(
      baseline.memory.filter((entry) => !isAdmission(entry)),
    );
    // The admission set holds the baseline's series again; a Redis set that grew keeps its larger
    // encoding (a hash table, not a listpack), so its memory stays a few KB above the baseline.
    expect(await store.admissionUsage()).toEqual({ toolSeries: 20, unregisteredServers: 2 });
    expect(totalBytes(after.filter(isAdmission))).toBeLessThan(
      totalBytes(baseline.memory.filter(isAdmission)) + 16_384,
    );
  }, 120_000);

  it("a drill series' keys expire by themselves a margin after its lifetime, should nothing forget it", async () => {
    const prefix = `${namespace.prefix}ttl:`;
    const store = new RedisWindowStore(namespace.client, prefix, { thresholdsMs: THRESHOLDS }, () => START);
    const drill = { server: 'orders-mcp', tool: drillTool('latency', '00000001'), drill: true };
    const production = { server: 'orders-mcp', tool: 'create', drill: false };
    for (const [offset, series] of [drill, production].entries()) {
      const entries = [{ call: okCall(series, START - 1000), offset }];
      await writeBatchExactlyOnce(store, SOURCE, entries, offset, START, THRESHOLDS);
    }
    const ttls = new Map<string, number>();
    for (const key of await namespace.keys()) {
      if (key.startsWith(`${prefix}w:`)) ttls.set(key.slice(prefix.length), await namespace.client.pttl(key));
    }
    const drillTtl = DRILL_SERIES_LIFETIME_MS + SERIES_EXPIRY_MARGIN_MS;
    const drillKeys = [...ttls].filter(([key]) => key.startsWith('w:{drill|'));
    expect(drillKeys).toHaveLength(8);
    for (const [key, ttl] of drillKeys) {
      expect(ttl, key).toBeGreaterThan(drillTtl - 60_000);
      expect(ttl, key).toBeLessThanOrEqual(drillTtl);
    }
    // Production keys keep the day they need (the coarse ring's).
    const productionCoarse = ttls.get(`w:{${seriesId(production)}}:coarse:counts`) ?? 0;
    expect(productionCoarse).toBeGreaterThan(24 * 3_600_000);
  });
});
