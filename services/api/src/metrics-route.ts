import type { Route } from './http-api.js';

/** GET /metrics: every instrument in the Prometheus text exposition format (version 0.0.4). */
export function metricsRoute(prometheusText: () => Promise<string>): Route {
  return {
    method: 'GET',
    pattern: '/metrics',
    access: 'open',
    handle: async () => ({
      status: 200,
      body: Buffer.from(await prometheusText()),
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    }),
  };
}
