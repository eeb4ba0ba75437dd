import { ApiError, type Route } from './http-api.js';
import { CRS_PAGE, type OperatorView } from './operator-view.js';
import { pageRequest } from './paging.js';

/** GET /api/v1/crs (a page) and /api/v1/crs/:server: the CRS breakdown (factors, score, gate, reasons). */
export function crsRoutes(view: OperatorView): Route[] {
  const threshold = view.policy.crs.haltThreshold;
  return [
    {
      method: 'GET',
      pattern: '/api/v1/crs',
      access: 'read',
      handle: async ({ query }) => ({
        status: 200,
        body: { threshold, ...(await view.crs(pageRequest(query, CRS_PAGE))) },
      }),
    },
    {
      method: 'GET',
      pattern: '/api/v1/crs/:server',
      access: 'read',
      handle: async ({ params }) => {
        const breakdown = await view.serverCrs(params.server as string);
        if (breakdown === undefined) throw new ApiError(404, `${params.server} is not in the inventory`);
        return { status: 200, body: { threshold, ...breakdown } };
      },
    },
  ];
}
