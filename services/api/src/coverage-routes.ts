import type { CoverageReport } from '@budgetwatch/domain';
import type { Route } from './http-api.js';

/**
 * GET /api/v1/coverage: how good the input telemetry is, per source and server, over the last
 * day (docs/contract.md#telemetry-coverage). Every list in it is bounded.
 */
export function coverageRoutes(
  coverage: (nowMs: number) => Promise<CoverageReport>,
  now = Date.now,
): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/v1/coverage',
      access: 'read',
      handle: async () => ({ status: 200, body: await coverage(now()) }),
    },
  ];
}
