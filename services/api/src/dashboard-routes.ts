import { readFileSync } from 'node:fs';
import { DISPLAY_TEXT_MODULE_URL } from '@budgetwatch/domain';
import type { Route } from './http-api.js';

const DASHBOARD = new URL('../dashboard/', import.meta.url);
const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** The dashboard's files, read once: plain HTML, CSS and ES modules, nothing to build. */
const FILES = [
  { path: '/', url: new URL('index.html', DASHBOARD), type: 'text/html; charset=utf-8' },
  { path: '/dashboard.js', url: new URL('dashboard.js', DASHBOARD), type: JAVASCRIPT },
  { path: '/coverage.js', url: new URL('coverage.js', DASHBOARD), type: JAVASCRIPT },
  { path: '/dashboard.css', url: new URL('dashboard.css', DASHBOARD), type: 'text/css; charset=utf-8' },
  // The very module the notifier's renderers and the CLI run (displayText): dashboard.js imports
  // it, so span text is made safe to show the same way in the browser.
  { path: '/display-text.js', url: DISPLAY_TEXT_MODULE_URL, type: JAVASCRIPT },
] as const;

/** GET / (the dashboard) and its scripts and style sheet. */
export function dashboardRoutes(): Route[] {
  return FILES.map(({ path, url, type }) => {
    const bytes = readFileSync(url);
    return {
      method: 'GET',
      pattern: path,
      access: 'open',
      handle: async () => ({ status: 200, body: bytes, headers: { 'content-type': type } }),
    };
  });
}
