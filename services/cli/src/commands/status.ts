import { loadConfig, loadPolicy } from '@budgetwatch/config';
import { type CrsBreakdown, type SeriesRef, seriesId, type Tier } from '@budgetwatch/domain';
import { RedisRuleStateStore } from '@budgetwatch/evaluator';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { RedisWindowStore } from '@budgetwatch/window-store';
import { ExitCode } from '../exit-codes.js';
import { crsScorer } from './crs-scorer.js';
import { inventoryWithDrills } from './inventory-with-drills.js';
import { requireConnections } from './require-connections.js';

interface ServerStatus {
  server: string;
  registered: boolean;
  tier: Tier | null;
  owner: string | null;
  crs: CrsBreakdown | null;
  /** "<rule> on <tool or server>" for every firing rule of its production series. */
  firing: string[];
  tools: string[];
}

const DAY = 24 * 3_600_000;

/** Every server seen in the last 24h or registered: tier, owner, CRS, firing rules; unregistered ones flagged. */
export async function showStatus(
  options: { json: boolean },
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'status', ['redis']);
  const { policy } = loadPolicy({
    ...(config.evaluator.policyFile === undefined ? {} : { file: config.evaluator.policyFile }),
    latencyThresholdsMs: config.ingest.latencyThresholdsMs,
  });
  const redis = createRedis(config.redis, 'budgetwatch-status');
  try {
    await connectRedis(redis);
    const inventory = await inventoryWithDrills(config, redis);
    const store = new RedisWindowStore(redis, config.redis.keyPrefix, {
      thresholdsMs: config.ingest.latencyThresholdsMs,
    });
    const states = new RedisRuleStateStore(redis, config.redis.keyPrefix);
    const scores = new Map(
      (await crsScorer(config, redis, policy)(undefined, inventory)).map((breakdown) => [
        breakdown.server,
        breakdown,
      ]),
    );
    const active = (await store.activeSeries(Date.now() - DAY)).filter((series) => !series.drill);
    const byServer = new Map<string, SeriesRef[]>();
    for (const server of inventory.servers) byServer.set(server.id, []);
    for (const series of active)
      byServer.set(series.server, [...(byServer.get(series.server) ?? []), series]);
    const ruleIds = policy.rules.map((rule) => rule.id);
    const statuses: ServerStatus[] = [];
    for (const [server, series] of byServer) {
      const entry = inventory.servers.find((candidate) => candidate.id === server);
      const firing: string[] = [];
      for (const one of series) {
        for (const [ruleId, stored] of await states.read(seriesId(one), ruleIds)) {
          if (stored.state.status === 'firing') firing.push(`${ruleId} on ${one.tool ?? 'the server'}`);
        }
      }
      statuses.push({
        server,
        registered: entry !== undefined,
        tier: entry?.tier ?? null,
        owner: entry?.owner?.team ?? null,
        crs: scores.get(server) ?? null,
        firing: firing.sort(),
        tools: [...new Set(series.flatMap((one) => (one.tool === null ? [] : [one.tool])))].sort(),
      });
    }
    statuses.sort((a, b) => Number(b.registered) - Number(a.registered) || a.server.localeCompare(b.server));
    if (options.json) {
      out.write(
        `${JSON.stringify({ servers: statuses.filter((s) => s.registered), unregistered: statuses.filter((s) => !s.registered) })}\n`,
      );
      return ExitCode.ok;
    }
    for (const status of statuses.filter((s) => s.registered)) {
      const crs =
        status.crs === null ? '' : `CRS ${status.crs.crs.toFixed(1)}${status.crs.gated ? ' HALTED' : ''}`;
      out.write(`${status.server}  tier ${status.tier}  owner ${status.owner ?? '(none)'}  ${crs}\n`);
      out.write(
        status.firing.length === 0
          ? '  no rule firing\n'
          : status.firing.map((line) => `  FIRING ${line}\n`).join(''),
      );
    }
    const unregistered = statuses.filter((s) => !s.registered);
    if (unregistered.length > 0) {
      out.write('\nUnregistered servers (seen in spans, not in the inventory):\n');
      for (const status of unregistered)
        out.write(`  ${status.server}  tools: ${status.tools.join(', ') || '(none)'}\n`);
    }
    return ExitCode.ok;
  } finally {
    redis.disconnect();
  }
}
