import { type OperatorView, STATUS_PAGE, type StatusPage } from '@budgetwatch/api';
import { loadConfig, loadPolicy } from '@budgetwatch/config';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { redisOperatorView } from '../stages/redis-operator-view.js';
import { requireConnections } from './require-connections.js';
import { writeStatusJson, writeStatusText } from './status-output.js';

/**
 * Every server registered or seen in the last 24h: tier, owner, CRS, firing rules with their
 * values; unregistered ones listed apart. `--json` prints what GET /api/v1/status returns.
 * Server and tool names come from spans: they are shown through `displayText` (one line each,
 * terminal controls and invisible characters shown as escapes).
 */
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
    const pages = statusPages(redisOperatorView(config, redis, policy));
    if (options.json) await writeStatusJson(pages, out);
    else await writeStatusText(pages, out);
    return ExitCode.ok;
  } finally {
    redis.disconnect();
  }
}

/** The report page by page, to the end: a report of thousands of servers is never held whole. */
async function* statusPages(view: OperatorView): AsyncGenerator<StatusPage> {
  let cursor: string | null = null;
  do {
    const page: StatusPage = await view.status({ cursor, limit: STATUS_PAGE.maxLimit });
    yield page;
    cursor = page.next;
  } while (cursor !== null);
}
