import { readFileSync } from 'node:fs';
import type { Route } from './http-api.js';

/** The dashboard's files, read once: plain HTML, CSS and an ES module, nothing to build. */
const FILES = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/dashboard.js', file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  { path: '/dashboard.css', file: 'dashboard.css', type: 'text/css; charset=utf-8' },
] as const;

/** GET / (the dashboard) and its script and style sheet. */
export function dashboardRoutes(): Route[] {
  return FILES.map(({ path, file, type }) => {
    const bytes = readFileSync(new URL(`../dashboard/${file}`, import.meta.url));
    return {
      method: 'GET',
      pattern: path,
      access: 'open',
      handle: async () => ({ status: 200, body: bytes, headers: { 'content-type': type } }),
    };
  });
}
