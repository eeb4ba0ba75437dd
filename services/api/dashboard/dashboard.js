// The dashboard: plain DOM over the JSON API, refreshed every few seconds; no build step.
// Names come from spans: each is shown through displayText, the module the renderers in Node run
// (served as it is by the API), and set as text, never as markup.
import { displayText } from './display-text.js';

const REFRESH_MS = 5000;
const SPARKLINE_REFRESH_MS = 60_000;
/**
 * The status report comes in pages; the dashboard shows at most this many servers (registered
 * ones first), and says how many more there are: the API and `budgetwatch status` list them all.
 */
const MAX_SERVERS_SHOWN = 500;
/** Where the read token is kept for this tab (sessionStorage: gone when the tab closes). */
const TOKEN_KEY = 'budgetwatch.readToken';
const TIER_NAMES = {
  2: 'Tier 2 · state-changing',
  1: 'Tier 1 · internal read',
  0: 'Tier 0 · public, read-only',
};
/** The gauge spans 0 to 1.5 times the budget; the mark sits at 1 (the threshold). */
const GAUGE_SPAN = 1.5;
const sparklines = new Map();

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children)
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** A number in a reading's unit: ms, a ratio as a percentage, or a burn rate as a multiple. */
function inUnit(unit, value) {
  if (unit === 'ms') return `${Math.round(value)} ms`;
  if (unit === 'burn_rate') return `${value.toFixed(1)}x`;
  return `${(value * 100).toFixed(1)}%`;
}

/** A name from spans (or the inventory), display-safe and isolated from the text around it. */
function name(text) {
  return element('bdi', {}, displayText(text));
}

function formatValue(reading) {
  if (reading.value === null) return '–';
  return inUnit(reading.unit, reading.value);
}

function formatThreshold(reading) {
  return `${reading.comparator} ${inUnit(reading.unit, reading.threshold)}`;
}

function eventValue(data) {
  if (typeof data.value !== 'number') return '';
  return data.metric === 'latency_quantile'
    ? `${Math.round(data.value)} ms`
    : `${(data.value * 100).toFixed(1)}%`;
}

function gauge(reading) {
  const used = Math.min(reading.budgetUsed, GAUGE_SPAN);
  const bar = element('span', { style: `width:${((used / GAUGE_SPAN) * 100).toFixed(1)}%` });
  if (reading.budgetUsed >= 1) bar.classList.add('over');
  return element(
    'div',
    { class: 'gauge', title: `${(reading.budgetUsed * 100).toFixed(0)}% of the budget used` },
    bar,
    element('i'),
  );
}

function sparkline(line) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 120 22');
  if (line === undefined) return svg;
  const values = line.points.filter((point) => point !== null);
  const low = Math.min(line.threshold, ...values);
  const high = Math.max(line.threshold, ...values);
  const span = high - low || 1;
  const y = (value) => (20 - ((value - low) / span) * 18).toFixed(1);
  const points = line.points
    .map((point, i) => (point === null ? null : `${((i / 23) * 118 + 1).toFixed(1)},${y(point)}`))
    .filter((point) => point !== null);
  const polyline = document.createElementNS(svg.namespaceURI, 'polyline');
  polyline.setAttribute('points', points.join(' '));
  const threshold = document.createElementNS(svg.namespaceURI, 'line');
  for (const [name, value] of Object.entries({
    x1: 0,
    x2: 120,
    y1: y(line.threshold),
    y2: y(line.threshold),
  }))
    threshold.setAttribute(name, String(value));
  svg.append(threshold, polyline);
  return svg;
}

function serverCard(server) {
  const title = element(
    'h3',
    {},
    name(server.server),
    element(
      'span',
      { class: `badge ${server.state}` },
      server.state === 'no_data' ? 'no data' : server.state,
    ),
  );
  const crs =
    server.crs === null
      ? ''
      : element(
          'span',
          { class: server.crs.gated ? 'halted' : '' },
          `CRS ${server.crs.score.toFixed(1)}${server.crs.gated ? ' · expansion halted' : ''}`,
        );
  const meta = element(
    'div',
    { class: 'meta' },
    'owner ',
    typeof server.owner === 'string' ? name(server.owner) : '(none)',
    ' · ',
    crs,
  );
  const rows = server.rules.map((reading) =>
    element(
      'tr',
      {
        'data-rule': reading.rule,
        'data-scope': reading.scope,
        'data-tool': reading.tool,
        'data-state': reading.state,
      },
      element('td', {}, name(reading.rule)),
      element('td', {}, reading.tool === null ? 'server' : name(reading.tool)),
      element('td', { class: 'state' }, reading.state === 'no_data' ? 'no data' : reading.state),
      element('td', { class: 'value' }, formatValue(reading)),
      element('td', {}, formatThreshold(reading)),
      element('td', {}, gauge(reading)),
      element(
        'td',
        {},
        reading.scope === 'server' ? sparkline(sparklines.get(server.server)?.get(reading.rule)) : '',
      ),
    ),
  );
  const table = element(
    'table',
    {},
    element(
      'thead',
      {},
      element(
        'tr',
        {},
        ...['rule', 'on', 'state', 'value', 'threshold', 'budget', '24h'].map((name) =>
          element('th', {}, name),
        ),
      ),
    ),
    element('tbody', {}, ...rows),
  );
  return element(
    'article',
    { class: 'server', 'data-server': server.server, 'data-state': server.state },
    title,
    meta,
    table,
  );
}

class TokenRequired extends Error {}

/**
 * GETs JSON from the API, with the read token when one was given. A 401 asks for the token
 * (again): the form is shown, and the next refresh waits for it.
 */
async function getJson(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { headers });
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    askForToken(token !== null);
    throw new TokenRequired('the read token is required');
  }
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function askForToken(refused) {
  document.getElementById('token-refused').hidden = !refused;
  document.getElementById('token-form').hidden = false;
  document.getElementById('token').focus();
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('token');
  sessionStorage.setItem(TOKEN_KEY, input.value);
  input.value = '';
  document.getElementById('token-form').hidden = true;
  void refresh();
});

/** The status report's first pages, up to MAX_SERVERS_SHOWN servers, as one report. */
async function getStatus() {
  const report = { servers: [], unregistered: [] };
  let cursor = null;
  do {
    const page = await getJson(
      `/api/v1/status${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}`,
    );
    report.generatedAt ??= page.generatedAt;
    report.total = page.total;
    report.servers.push(...page.servers);
    report.unregistered.push(...page.unregistered);
    cursor = page.next;
  } while (cursor !== null && report.servers.length + report.unregistered.length < MAX_SERVERS_SHOWN);
  return report;
}

/** Sparklines of registered servers only: unregistered ones come from spans and are unbounded. */
async function refreshSparklines(servers) {
  const results = await Promise.allSettled(
    servers.map(async (server) => {
      const { sparklines: lines } = await getJson(
        `/api/v1/servers/${encodeURIComponent(server.server)}/sparklines`,
      );
      sparklines.set(server.server, new Map(lines.map((line) => [line.rule, line])));
    }),
  );
  for (const result of results) if (result.status === 'rejected') console.warn(result.reason);
}

function render(status, events) {
  const tiers = document.getElementById('tiers');
  tiers.replaceChildren(
    ...[2, 1, 0]
      .map((tier) => [tier, status.servers.filter((server) => server.tier === tier)])
      .filter(([, servers]) => servers.length > 0)
      .map(([tier, servers]) =>
        element(
          'section',
          { 'data-tier': tier },
          element('h2', {}, TIER_NAMES[tier]),
          element('div', { class: 'servers' }, ...servers.map(serverCard)),
        ),
      ),
  );
  document.getElementById('unregistered-section').hidden = status.unregistered.length === 0;
  document
    .getElementById('unregistered')
    .replaceChildren(
      ...status.unregistered.map((server) =>
        element(
          'li',
          { 'data-server': server.server },
          name(server.server),
          ' — tools: ',
          server.tools.length === 0
            ? '(none)'
            : element('bdi', {}, server.tools.map((tool) => displayText(tool)).join(', ')),
        ),
      ),
    );
  document
    .querySelector('#events tbody')
    .replaceChildren(
      ...events.map((event) =>
        element(
          'tr',
          {},
          element('td', {}, new Date(event.time).toLocaleTimeString()),
          element('td', {}, event.type.replace(/^budgetwatch\./, '')),
          ...[event.data.server, event.data.tool, event.data.rule].map((text) =>
            element('td', {}, typeof text === 'string' ? name(text) : ''),
          ),
          element('td', {}, eventValue(event.data)),
        ),
      ),
    );
  const firing = status.servers
    .concat(status.unregistered)
    .filter((server) => server.state === 'firing').length;
  const shown = status.servers.length + status.unregistered.length;
  const total = status.total.servers + status.total.unregistered;
  document.getElementById('summary').textContent =
    `${status.total.servers} registered, ${status.total.unregistered} unregistered, ${firing} firing${shown < total ? ` among the first ${shown} shown (the API and budgetwatch status list all)` : ''} · ${new Date(status.generatedAt).toLocaleTimeString()}`;
}

let lastSparklines = 0;
let timer;
async function refresh() {
  clearTimeout(timer);
  try {
    const [status, { events }] = await Promise.all([getStatus(), getJson('/api/v1/events?limit=20')]);
    if (Date.now() - lastSparklines > SPARKLINE_REFRESH_MS) {
      lastSparklines = Date.now();
      await refreshSparklines(status.servers);
    }
    render(status, events);
  } catch (error) {
    // Without the token, nothing refreshes until the form gives one.
    if (error instanceof TokenRequired) {
      document.getElementById('summary').textContent = 'waiting for the read token';
      return;
    }
    document.getElementById('summary').textContent = `cannot reach the API: ${error.message}`;
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

void refresh();
