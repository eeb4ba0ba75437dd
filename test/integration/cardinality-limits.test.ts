import type { StatusReport } from '@budgetwatch/api';
import {
  type CardinalityLimits,
  type CoverageReport,
  IN_MEMORY_CARDINALITY_LIMITS,
  OTHER_TOOL,
  OVERFLOW_SERVER,
  type SeriesRef,
  type WindowSummary,
} from '@budgetwatch/domain';
import type { IngestWorker } from '@budgetwatch/ingest-worker';
import { residentMemoryMiB, waitFor } from '@budgetwatch/testkit';
import { RedisWindowStore } from '@budgetwatch/window-store';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { TEST_THRESHOLDS_MS, useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { chunks, type NamedTool, namedToolsExport } from '../support/many-names.js';
import { useRedisNamespace } from '../support/redis.js';

/** The documented bound of `budgetwatch start` on embedded defaults at the caps (docs/operations.md). */
const EMBEDDED_RSS_LIMIT_MIB = 512;
const CALLS_EACH = 2;
const SPANS_PER_EXPORT = 2000;

const topics = useTopics();
const namespace = await useRedisNamespace('cardinality');

/** `count` tools of one server, named `<server>.t<i>`. */
function toolsOf(server: string, count: number): NamedTool[] {
  return Array.from({ length: count }, (_, i) => ({ server, tool: `${server}.t${i}` }));
}

const serverName = (i: number) => `srv-${String(i).padStart(4, '0')}`;

describe('cardinality caps on embedded defaults (budgetwatch start)', () => {
  it('50,990 tool names on 5,000 servers: memory bounded, overflow counted exactly and reported', async () => {
    // In this order, at the default caps (IN_MEMORY_CARDINALITY_LIMITS: 100 tools per server,
    // 300 tool series, 30 unregistered servers): srv-0000's first 100 tools are admitted and its
    // other 900 overflow; the next servers of 10 tools fill the total (srv-0001..0020); the rest
    // of the 30 tracked servers are over the total (srv-0021..0029); the others are beyond the
    // unregistered servers' cap.
    const { maxToolsPerServer, maxToolSeries, maxUnregisteredServers } = IN_MEMORY_CARDINALITY_LIMITS;
    const wide = toolsOf(serverName(0), 1000);
    const narrow = Array.from({ length: 4999 }, (_, i) => toolsOf(serverName(i + 1), 10));
    const tools = [...wide, ...narrow.flat()];
    expect(tools.length).toBe(50_990);
    const admittedNarrow = (maxToolSeries - maxToolsPerServer) / 10;
    const trackedNarrow = maxUnregisteredServers - 1;
    expect(admittedNarrow).toBeLessThan(trackedNarrow);
    const admitted = [...wide.slice(0, maxToolsPerServer), ...narrow.slice(0, admittedNarrow).flat()];
    const expected = {
      tools_per_server: (1000 - maxToolsPerServer) * CALLS_EACH,
      tool_series: (trackedNarrow - admittedNarrow) * 10 * CALLS_EACH,
      unregistered_servers: (4999 - trackedNarrow) * 10 * CALLS_EACH,
    };

    const instance = await startBudgetwatch(['start'], {});
    const pid = instance.process.pid as number;
    let peakRssMiB = residentMemoryMiB(pid) ?? 0;
    const sampler = setInterval(() => {
      peakRssMiB = Math.max(peakRssMiB, residentMemoryMiB(pid) ?? 0);
    }, 100);
    try {
      const now = Date.now();
      let sent = 0;
      // One export after the other, so the order of first sight (which decides admission) is the
      // order above.
      for (const batch of chunks(tools, SPANS_PER_EXPORT / CALLS_EACH)) {
        const response = await fetch(instance.intakeUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: namedToolsExport(batch, CALLS_EACH, now, sent),
        });
        expect(response.status, await response.text()).toBe(200);
        sent += batch.length * CALLS_EACH;
      }
      const windowCalls = async (server: string, tool: string | null) => {
        const query = new URLSearchParams({ server, window: '2h', ...(tool === null ? {} : { tool }) });
        return (await instance.getJson<{ window: WindowSummary }>(`/api/v1/windows?${query}`)).window.calls;
      };
      // The last export holds only calls of servers beyond the cap: all counted once this is.
      await waitFor(
        async () => (await windowCalls(OVERFLOW_SERVER, OTHER_TOOL)) === expected.unregistered_servers,
        {
          description: 'every call counted',
          timeoutMs: 120_000,
        },
      );

      // Overflow is on /metrics, by cap, and equals the calls not admitted.
      expect(await overflowCounters(instance)).toEqual(expected);

      // ... in the telemetry coverage report ...
      const coverage = await instance.getJson<CoverageReport>('/api/v1/coverage');
      expect(coverage.overflowCalls).toEqual(expected);

      // ... and in the status report.
      const status = await instance.getJson<StatusReport>('/api/v1/status');
      expect(status.overflow).toEqual({ tools: true, servers: true });
      const byServer = new Map(status.unregistered.map((entry) => [entry.server, entry]));
      expect(byServer.size).toBe(maxUnregisteredServers + 1); // the tracked ones and the overflow server
      expect(byServer.get(serverName(0))?.toolsOverflowed).toBe(true);
      expect(byServer.get(serverName(1))?.toolsOverflowed).toBe(false);
      expect(byServer.get(serverName(admittedNarrow + 1))?.toolsOverflowed).toBe(true);
      expect(byServer.get(OVERFLOW_SERVER)?.tools).toEqual([OTHER_TOOL]);
      const listedTools = status.unregistered.flatMap((entry) =>
        entry.tools.filter((tool) => tool !== OTHER_TOOL).map((tool) => `${entry.server}/${tool}`),
      );
      expect(listedTools.sort()).toEqual(admitted.map(({ server, tool }) => `${server}/${tool}`).sort());

      // Admitted series hold exactly their calls; the overflow series exactly the others.
      for (const group of chunks(admitted, 25)) {
        const counts = await Promise.all(group.map(({ server, tool }) => windowCalls(server, tool)));
        expect(counts).toEqual(group.map(() => CALLS_EACH));
      }
      expect(await windowCalls(serverName(0), OTHER_TOOL)).toBe(expected.tools_per_server);
      expect(await windowCalls(serverName(0), null)).toBe(1000 * CALLS_EACH);
      expect(await windowCalls(serverName(admittedNarrow + 1), OTHER_TOOL)).toBe(10 * CALLS_EACH);
      expect(await windowCalls(OVERFLOW_SERVER, null)).toBe(expected.unregistered_servers);

      peakRssMiB = Math.max(peakRssMiB, residentMemoryMiB(pid) ?? 0);
      console.info(`[cardinality] embedded peak RSS ${peakRssMiB.toFixed(0)} MiB after ${sent} calls`);
      expect(peakRssMiB).toBeLessThan(EMBEDDED_RSS_LIMIT_MIB);
    } finally {
      clearInterval(sampler);
      await instance.stop();
    }
  }, 300_000);
});

describe('cardinality caps on Kafka and Redis', () => {
  const workers = useIngestWorkers(namespace);

  it('two ingest workers admit alike: never more series than the caps, every call counted once', async () => {
    const limits: CardinalityLimits = {
      maxToolsPerServer: 10,
      maxToolSeries: 100,
      maxUnregisteredServers: 20,
    };
    const spanTopic = await topics.create('cardinality-spans', { partitions: 4 });
    const deadLetterTopic = await topics.create('cardinality-dlq');
    // Each worker its own store, so its own cache of admitted series: only Redis is shared.
    const storeOf = () =>
      new RedisWindowStore(namespace.client, namespace.prefix, {
        thresholdsMs: TEST_THRESHOLDS_MS,
        cardinality: limits,
      });
    const started: IngestWorker[] = [];
    for (let i = 0; i < 2; i++) {
      started.push(
        await workers.start({ spanTopic, deadLetterTopic }, { store: storeOf(), maxBatchBytes: 64 * 1024 }),
      );
    }
    await waitFor(() => started.every((worker) => worker.hasJoinedGroup), {
      description: 'both workers in the group',
      timeoutMs: 30_000,
    });

    // 40 servers of 30 tools, two calls each; records of 100 spans spread over the partitions.
    const tools = Array.from({ length: 40 }, (_, s) => toolsOf(`kafka-${s}`, 30)).flat();
    const total = tools.length * CALLS_EACH;
    const now = Date.now();
    const producer = testKafka().producer({ idempotent: true });
    await producer.connect();
    const records = chunks(tools, 50).map((batch, r) => ({
      key: String(r),
      value: namedToolsExport(batch, CALLS_EACH, now, r * 100),
    }));
    // Interleave the servers over the records so both workers meet new servers at once.
    await producer.send({ topic: spanTopic, messages: records.filter((_, r) => r % 2 === 0) });
    await producer.send({ topic: spanTopic, messages: records.filter((_, r) => r % 2 === 1) });
    await producer.disconnect();

    const store = storeOf();
    const countsOf = async () => {
      const series = await store.activeSeries(0);
      const counts = await Promise.all(
        series.map(async (ref) => ({
          ref,
          calls: (await store.readWindow(ref, 3_600_000, Date.now())).calls,
        })),
      );
      return counts;
    };
    const sum = (entries: { calls: number }[]) => entries.reduce((acc, entry) => acc + entry.calls, 0);
    await waitFor(async () => sum((await countsOf()).filter(({ ref }) => ref.tool === null)) === total, {
      description: 'every call in a rollup',
      timeoutMs: 60_000,
    });
    const counts = await countsOf();
    const toolSeries = counts.filter(({ ref }) => ref.tool !== null);
    const isOverflow = (ref: SeriesRef) => ref.tool === OTHER_TOOL || ref.server === OVERFLOW_SERVER;
    const admitted = toolSeries.filter(({ ref }) => !isOverflow(ref));
    const overflow = toolSeries.filter(({ ref }) => isOverflow(ref));

    // Exactly at the caps, never beyond, whichever worker admitted what.
    expect(admitted).toHaveLength(limits.maxToolSeries);
    expect(await store.admissionUsage()).toEqual({ toolSeries: 100, unregisteredServers: 20 });
    const perServer = new Map<string, number>();
    for (const { ref } of admitted) perServer.set(ref.server, (perServer.get(ref.server) ?? 0) + 1);
    expect(Math.max(...perServer.values())).toBeLessThanOrEqual(limits.maxToolsPerServer);
    const tracked = new Set(
      counts.map(({ ref }) => ref.server).filter((server) => server !== OVERFLOW_SERVER),
    );
    expect(tracked.size).toBe(limits.maxUnregisteredServers);

    // Every call once: in its own series, or in an overflow series.
    for (const { calls } of admitted) expect(calls).toBe(CALLS_EACH);
    expect(sum(toolSeries)).toBe(total);
    expect(sum(overflow)).toBe(total - limits.maxToolSeries * CALLS_EACH);
    const overflowCalls = started.flatMap((worker) => Object.values(worker.metrics.overflowCalls));
    expect(overflowCalls.reduce((acc, calls) => acc + calls, 0)).toBe(sum(overflow));
    expect(started.every((worker) => worker.metrics.toolCalls > 0)).toBe(true);
  }, 120_000);
});

async function overflowCounters(instance: BudgetwatchInstance): Promise<Record<string, number>> {
  const families = parsePrometheusTextFormat(await (await fetch(`${instance.apiUrl}/metrics`)).text());
  const family = families.find((candidate) => candidate.name === 'budgetwatch_ingest_overflow_calls_total');
  return Object.fromEntries(
    (family?.metrics ?? []).map((sample) => [sample.labels?.cap ?? '', Number(sample.value)]),
  );
}
