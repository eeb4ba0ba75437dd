import type { CrsBreakdown } from '@budgetwatch/domain';
import { ApiError, type Route } from './http-api.js';

/** GET /api/v1/crs and /api/v1/crs/:server: the CRS breakdown (factors, score, gate, reasons). */
export function crsRoutes(score: (server?: string) => Promise<CrsBreakdown[]>, threshold: number): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/v1/crs',
      access: 'read',
      handle: async () => ({ status: 200, body: { threshold, servers: await score() } }),
    },
    {
      method: 'GET',
      pattern: '/api/v1/crs/:server',
      access: 'read',
      handle: async ({ params }) => {
        const [breakdown] = await score(params.server);
        if (breakdown === undefined) throw new ApiError(404, `${params.server} is not in the inventory`);
        return { status: 200, body: { threshold, ...breakdown } };
      },
    },
  ];
}
