import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { DISPLAY_TEXT_MODULE_URL } from '@budgetwatch/domain';
import type { Route } from './http-api.js';

const DASHBOARD = new URL('../dashboard/', import.meta.url);
const JAVASCRIPT = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
/** uPlot, the charting library, as its package ships it: an ES module and its style sheet. */
const UPLOT = (file: string) => pathToFileURL(createRequire(import.meta.url).resolve(`uplot/dist/${file}`));

/** The dashboard's modules, each a plain file of services/api/dashboard. */
const MODULES = [
  'dashboard.js',
  'api.js',
  'format.js',
  'overview.js',
  'server-page.js',
  'chart.js',
  'coverage.js',
];

/** The dashboard's files, read once: plain HTML, CSS and ES modules, nothing to build. */
const FILES = [
  { path: '/', url: new URL('index.html', DASHBOARD), type: 'text/html; charset=utf-8' },
  ...MODULES.map((file) => ({ path: `/${file}`, url: new URL(file, DASHBOARD), type: JAVASCRIPT })),
  { path: '/dashboard.css', url: new URL('dashboard.css', DASHBOARD), type: CSS },
  // The very module the notifier's renderers and the CLI run (displayText): the dashboard imports
  // it, so span text is made safe to show the same way in the browser.
  { path: '/display-text.js', url: DISPLAY_TEXT_MODULE_URL, type: JAVASCRIPT },
  { path: '/uplot.js', url: UPLOT('uPlot.esm.js'), type: JAVASCRIPT },
  { path: '/uplot.css', url: UPLOT('uPlot.min.css'), type: CSS },
] as const;

/** GET / (the dashboard) and its scripts and style sheets. */
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
