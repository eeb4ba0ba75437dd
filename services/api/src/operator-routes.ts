import { parseWindowDuration, type SeriesRef, seriesId } from '@budgetwatch/domain';
import { ApiError, type ApiRequest, type Route } from './http-api.js';
import type { OperatorView } from './operator-view.js';

const HOUR = 3_600_000;

/**
 * The read-only JSON API under /api/v1: status (every server, rule states and values), servers,
 * series, windows, rule states, sparklines, the event history and its notification log.
 */
export function operatorRoutes(view: OperatorView): Route[] {
  const get = (pattern: string, handle: (request: ApiRequest) => Promise<unknown>): Route => ({
    method: 'GET',
    pattern,
    access: 'read',
    handle: async (request) => ({ status: 200, body: await handle(request) }),
  });
  return [
    get('/api/v1/status', () => view.status()),
    get('/api/v1/servers', async () => {
      const { servers, unregistered } = await view.status();
      const summary = ({ rules: _rules, ...server }: (typeof servers)[number]) => server;
      return { servers: servers.map(summary), unregistered: unregistered.map(summary) };
    }),
    get('/api/v1/servers/:server', async ({ params }) => {
      const { servers, unregistered } = await view.status();
      const found = [...servers, ...unregistered].find((server) => server.server === params.server);
      if (found === undefined)
        throw new ApiError(404, `no server ${params.server} registered or seen in 24h`);
      return found;
    }),
    get('/api/v1/servers/:server/sparklines', async ({ params }) => {
      const sparklines = await view.sparklines(params.server as string);
      if (sparklines === null)
        throw new ApiError(404, `no server ${params.server} registered or seen in 24h`);
      return { server: params.server, sparklines };
    }),
    get('/api/v1/series', async () => ({
      series: (await view.series()).map((series) => ({ id: seriesId(series), ...series })),
    })),
    get('/api/v1/windows', async ({ query }) => {
      const server = query.get('server');
      if (server === null || server === '') throw new ApiError(400, 'server is required: ?server=ID');
      const series: SeriesRef = {
        server,
        tool: query.get('tool') ?? null,
        drill: query.get('drill') === 'true',
      };
      const windowMs = windowParameter(query.get('window'));
      return { series, window: await view.window(series, windowMs) };
    }),
    get('/api/v1/rules', async () => ({
      rules: view.policy.rules.map(({ tiers: _tiers, ...rule }) => rule),
      states: await view.ruleStates(),
    })),
    get('/api/v1/events', async ({ query }) => ({
      events: await view.history(limitParameter(query), query.get('server') ?? undefined),
    })),
    get('/api/v1/notifications', async ({ query }) => ({
      notifications: await view.notifications(limitParameter(query), query.get('server') ?? undefined),
    })),
  ];
}

/** `?limit=N`: 1 to 1,000 (the history keeps no more), 100 when absent or not a number. */
function limitParameter(query: URLSearchParams): number {
  return Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
}

function windowParameter(text: string | null): number {
  if (text === null) return 2 * HOUR;
  try {
    return parseWindowDuration(text);
  } catch (error) {
    throw new ApiError(400, `window: ${(error as Error).message}`);
  }
}
