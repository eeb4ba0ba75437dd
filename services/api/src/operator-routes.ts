import { parseWindowDuration, type SeriesRef, seriesId } from '@budgetwatch/domain';
import { ApiError, type ApiRequest, type Route } from './http-api.js';
import { type OperatorView, SERIES_PAGE, type ServerStatus, STATUS_PAGE } from './operator-view.js';
import { pageRequest } from './paging.js';

const HOUR = 3_600_000;
/** The event history and its notification log: bounded by what the history keeps (1,000). */
const HISTORY_PAGE = { defaultLimit: 100, maxLimit: 1000 } as const;

/**
 * The read-only JSON API under /api/v1: status (every server, rule states and values), servers,
 * series, windows, rule states, sparklines, the event history and its notification log. Every
 * list is a page (`?limit=N&cursor=C`, `next` in the answer) or bounded: no request reads
 * everything at once (docs: README, "Dashboard, API and metrics").
 */
export function operatorRoutes(view: OperatorView): Route[] {
  const get = (pattern: string, handle: (request: ApiRequest) => Promise<unknown>): Route => ({
    method: 'GET',
    pattern,
    access: 'read',
    handle: async (request) => ({ status: 200, body: await handle(request) }),
  });
  return [
    get('/api/v1/status', ({ query }) => view.status(pageRequest(query, STATUS_PAGE))),
    get('/api/v1/servers', async ({ query }) => {
      const { servers, unregistered, total, next } = await view.status(pageRequest(query, STATUS_PAGE));
      const summary = ({ rules: _rules, ...server }: ServerStatus) => server;
      return { servers: servers.map(summary), unregistered: unregistered.map(summary), total, next };
    }),
    get('/api/v1/servers/:server', async ({ params }) => {
      const found = await view.server(params.server as string);
      if (found === null) throw new ApiError(404, `no server ${params.server} registered or seen in 24h`);
      return found;
    }),
    get('/api/v1/servers/:server/sparklines', async ({ params }) => {
      const sparklines = await view.sparklines(params.server as string);
      if (sparklines === null)
        throw new ApiError(404, `no server ${params.server} registered or seen in 24h`);
      return { server: params.server, sparklines };
    }),
    get('/api/v1/servers/:server/inventory', async ({ params }) => {
      const entry = await view.inventoryEntry(params.server as string);
      if (entry === undefined) throw new ApiError(404, `${params.server} is not in the inventory`);
      return entry;
    }),
    get('/api/v1/servers/:server/history', async ({ params, query }) => {
      const tool = query.get('tool');
      const history = await view.seriesHistory(params.server as string, tool === '' ? null : tool);
      if (history === null) {
        throw new ApiError(
          404,
          `no ${tool ? `tool ${tool} of ` : ''}server ${params.server} registered or seen in 24h`,
        );
      }
      return history;
    }),
    get('/api/v1/series', async ({ query }) => {
      const { series, next } = await view.series(pageRequest(query, SERIES_PAGE));
      return { series: series.map((one) => ({ id: seriesId(one), ...one })), next };
    }),
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
    get('/api/v1/rules', async ({ query }) => ({
      rules: view.policy.rules.map(({ tiers: _tiers, ...rule }) => rule),
      ...(await view.ruleStates(pageRequest(query, SERIES_PAGE))),
    })),
    get('/api/v1/events', async ({ query }) => ({
      events: await view.history(limitParameter(query), query.get('server') ?? undefined),
    })),
    get('/api/v1/notifications', async ({ query }) => ({
      notifications: await view.notifications(limitParameter(query), query.get('server') ?? undefined),
    })),
  ];
}

/** `?limit=N` of the event history: 1 to 1,000 (it keeps no more), 100 when absent or not a number. */
function limitParameter(query: URLSearchParams): number {
  return pageRequest(query, HISTORY_PAGE).limit;
}

function windowParameter(text: string | null): number {
  if (text === null) return 2 * HOUR;
  try {
    return parseWindowDuration(text);
  } catch (error) {
    throw new ApiError(400, `window: ${(error as Error).message}`);
  }
}
