// The overview: every server as a row of a matrix, the rules as columns (state, value and budget
// used, in colour and in symbols), sortable and filterable, firing and unregistered servers first.
// Only one page of rows is in the DOM at a time, so 500 servers render as fast as 50.
import { ApiRefused, getJson } from './api.js';
import { displayText } from './display-text.js';
import { budgetText, decisionLabel, element, inUnit, name, stateLabel } from './format.js';

/**
 * The status report comes in pages; the overview reads at most this many servers (registered ones
 * first), and says how many more there are: the API and `budgetwatch status` list them all.
 */
const MAX_SERVERS_READ = 500;
/** The decision feed's pages read at most (100 subjects each by default). */
const MAX_DECISION_PAGES = 20;
const ROWS_PER_PAGE = 50;
const STATE_RANK = { firing: 0, ok: 1, no_data: 2 };
/** A burning rule is one using this share of its budget or more (amber, without firing yet). */
const WARNING_BUDGET = 0.75;

const view = { rows: [], rules: [], decisionsShown: false, sort: null, page: 0 };

/** The status report's first pages, up to MAX_SERVERS_READ servers, as one report. */
async function getStatus() {
  const report = { servers: [], unregistered: [] };
  let cursor = null;
  do {
    const page = await getJson(
      `/api/v1/status?limit=${MAX_SERVERS_READ}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
    );
    report.generatedAt ??= page.generatedAt;
    report.total = page.total;
    report.servers.push(...page.servers);
    report.unregistered.push(...page.unregistered);
    cursor = page.next;
  } while (cursor !== null && report.servers.length + report.unregistered.length < MAX_SERVERS_READ);
  return report;
}

/**
 * The decisions in force by server (GET /api/v1/decisions, docs/contract.md); null when this API
 * has no decision feed (404): the column is then not shown. A feed that cannot answer now (503:
 * not read to its end yet) gives `{unavailable: why}`: the rest of the page still shows.
 */
export async function getDecisions(server) {
  const byServer = new Map();
  let cursor = null;
  for (let page = 0; page < MAX_DECISION_PAGES; page++) {
    const query = new URLSearchParams();
    if (server !== undefined) query.set('server', server);
    if (cursor !== null) query.set('cursor', cursor);
    let answer;
    try {
      answer = await getJson(`/api/v1/decisions?${query}`, { optional: true });
    } catch (error) {
      if (error instanceof ApiRefused) return { unavailable: error.message };
      throw error;
    }
    if (answer === null) return null;
    for (const subject of answer.decisions ?? []) {
      const held = byServer.get(subject.server) ?? [];
      held.push(subject);
      byServer.set(subject.server, held);
    }
    cursor = answer.nextCursor ?? null;
    if (cursor === null) break;
  }
  return byServer;
}

/** Of one rule's readings on a server (rollup and tools), the one that tells most: firing, most budget. */
function worstReading(readings) {
  return readings.reduce((worst, reading) => {
    const rank = (one) => (one.state === 'firing' ? 2 : 0) + Math.min(one.budgetUsed, 1.99) / 2;
    return worst === undefined || rank(reading) > rank(worst) ? reading : worst;
  }, undefined);
}

function rowOf(server, decisions) {
  const byRule = Map.groupBy(server.rules, (reading) => reading.rule);
  const cells = new Map([...byRule].map(([rule, readings]) => [rule, worstReading(readings)]));
  return {
    ...server,
    cells,
    decisions: decisions instanceof Map ? (decisions.get(server.server) ?? []) : [],
    decisionsUnavailable: decisions !== null && !(decisions instanceof Map),
  };
}

/** Firing first, then unregistered, then by tier (most at stake first), then by name. */
function urgency(a, b) {
  return (
    (STATE_RANK[a.state] ?? 3) - (STATE_RANK[b.state] ?? 3) ||
    Number(a.registered) - Number(b.registered) ||
    (b.tier ?? -1) - (a.tier ?? -1) ||
    compareText(a.server, b.server)
  );
}

function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SORTS = {
  server: (a, b) => compareText(a.server, b.server),
  tier: (a, b) => (a.tier ?? -1) - (b.tier ?? -1),
  owner: (a, b) => compareText(a.owner ?? '', b.owner ?? ''),
  state: urgency,
  crs: (a, b) => (a.crs?.score ?? -1) - (b.crs?.score ?? -1),
};

function sorter() {
  if (view.sort === null) return urgency;
  const { key, descending } = view.sort;
  const compare =
    SORTS[key] ?? ((a, b) => (a.cells.get(key)?.budgetUsed ?? -1) - (b.cells.get(key)?.budgetUsed ?? -1));
  return (a, b) => (descending ? -compare(a, b) : compare(a, b)) || urgency(a, b);
}

function filters() {
  return {
    tier: document.getElementById('filter-tier').value,
    owner: document.getElementById('filter-owner').value,
    state: document.getElementById('filter-state').value,
    name: document.getElementById('filter-name').value.trim().toLowerCase(),
  };
}

function matches(row, filter) {
  if (
    filter.tier === 'unregistered' ? row.registered : filter.tier !== '' && String(row.tier) !== filter.tier
  )
    return false;
  if (filter.owner !== '' && row.owner !== filter.owner) return false;
  if (filter.state !== '' && row.state !== filter.state) return false;
  return filter.name === '' || row.server.toLowerCase().includes(filter.name);
}

function ruleCell(rule, reading) {
  if (reading === undefined) return element('td', { class: 'rule', 'data-rule': rule }, '');
  const level =
    reading.state === 'firing' ? 'firing' : reading.budgetUsed >= WARNING_BUDGET ? 'warning' : reading.state;
  const used = Math.min(reading.budgetUsed, 1.5);
  return element(
    'td',
    {
      class: `rule ${level}`,
      'data-rule': rule,
      'data-state': reading.state,
      'data-scope': reading.scope,
      'data-tool': reading.tool,
      title: `${displayText(rule)} on ${reading.tool === null ? 'the server' : displayText(reading.tool)}: ${budgetText(reading.budgetUsed)}`,
    },
    element('span', { class: 'state' }, stateLabel(reading.state)),
    ' ',
    element('span', { class: 'value' }, inUnit(reading.unit, reading.value)),
    element(
      'span',
      { class: 'budget' },
      element('span', { class: 'used', style: `width:${((used / 1.5) * 100).toFixed(1)}%` }),
      element('i'),
    ),
    element('small', {}, budgetText(reading.budgetUsed)),
  );
}

function decisionsCell(row) {
  if (row.decisionsUnavailable) return element('td', { class: 'decisions' }, 'unavailable');
  const kinds = [...new Set(row.decisions.flatMap((subject) => subject.decisions.map((one) => one.kind)))];
  return element(
    'td',
    { class: `decisions${kinds.length > 0 ? ' active' : ''}`, 'data-decisions': kinds.join(' ') },
    kinds.length === 0 ? '–' : kinds.map(decisionLabel).join(', '),
  );
}

function serverRow(row) {
  return element(
    'tr',
    { class: 'server', 'data-server': row.server, 'data-state': row.state, 'data-tier': row.tier },
    element(
      'th',
      { scope: 'row' },
      element('a', { href: `#/server/${encodeURIComponent(row.server)}` }, name(row.server)),
    ),
    element('td', {}, row.registered ? String(row.tier) : 'unregistered'),
    element('td', {}, row.owner === null ? '(none)' : name(row.owner)),
    element('td', { class: `overall ${row.state}` }, stateLabel(row.state)),
    ...view.rules.map((rule) => ruleCell(rule, row.cells.get(rule))),
    element(
      'td',
      { class: row.crs?.gated ? 'halted' : '' },
      row.crs === null ? '–' : `${row.crs.score.toFixed(1)}${row.crs.gated ? ' · halted' : ''}`,
    ),
    view.decisionsShown ? decisionsCell(row) : null,
  );
}

function heading(label, key) {
  const sorted = view.sort?.key === key;
  const button = element('button', { type: 'button', 'data-sort': key }, label);
  button.addEventListener('click', () => {
    view.sort = { key, descending: sorted ? !view.sort.descending : key !== 'server' && key !== 'owner' };
    view.page = 0;
    renderMatrix();
  });
  return element(
    'th',
    { 'aria-sort': sorted ? (view.sort.descending ? 'descending' : 'ascending') : null },
    button,
  );
}

function renderMatrix() {
  document
    .getElementById('matrix-head')
    .replaceChildren(
      heading('server', 'server'),
      heading('tier', 'tier'),
      heading('owner', 'owner'),
      heading('state', 'state'),
      ...view.rules.map((rule) => heading(displayText(rule), rule)),
      heading('CRS', 'crs'),
      ...(view.decisionsShown ? [element('th', {}, 'decisions')] : []),
    );
  const filter = filters();
  const shown = view.rows.filter((row) => matches(row, filter)).sort(sorter());
  const pages = Math.max(1, Math.ceil(shown.length / ROWS_PER_PAGE));
  view.page = Math.min(view.page, pages - 1);
  const first = view.page * ROWS_PER_PAGE;
  document
    .querySelector('#matrix tbody')
    .replaceChildren(...shown.slice(first, first + ROWS_PER_PAGE).map(serverRow));
  document.getElementById('page-position').textContent =
    shown.length === 0
      ? 'no server matches'
      : `${first + 1}–${Math.min(first + ROWS_PER_PAGE, shown.length)} of ${shown.length}`;
  document.getElementById('page-previous').disabled = view.page === 0;
  document.getElementById('page-next').disabled = view.page >= pages - 1;
  document.getElementById('matrix').dataset.rows = String(shown.length);
}

function renderOwners() {
  const select = document.getElementById('filter-owner');
  const chosen = select.value;
  const owners = [...new Set(view.rows.map((row) => row.owner).filter((owner) => owner !== null))].sort();
  select.replaceChildren(
    element('option', { value: '' }, 'all'),
    ...owners.map((owner) => element('option', { value: owner }, displayText(owner))),
  );
  select.value = owners.includes(chosen) ? chosen : '';
}

function renderEvents(events) {
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
}

function eventValue(data) {
  if (typeof data.value !== 'number') return '';
  return data.metric === 'latency_quantile'
    ? `${Math.round(data.value)} ms`
    : `${(data.value * 100).toFixed(1)}%`;
}

function renderUnregistered(unregistered) {
  document.getElementById('unregistered-section').hidden = unregistered.length === 0;
  document
    .getElementById('unregistered')
    .replaceChildren(
      ...unregistered.map((server) =>
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
}

let wired = false;
function wireControls() {
  if (wired) return;
  wired = true;
  for (const id of ['filter-tier', 'filter-owner', 'filter-state', 'filter-name']) {
    document.getElementById(id).addEventListener('input', () => {
      view.page = 0;
      renderMatrix();
    });
  }
  document.getElementById('filters').addEventListener('submit', (event) => event.preventDefault());
  document.getElementById('page-previous').addEventListener('click', () => {
    view.page -= 1;
    renderMatrix();
  });
  document.getElementById('page-next').addEventListener('click', () => {
    view.page += 1;
    renderMatrix();
  });
}

/** Reads the status report, the decisions and the latest events, and draws the overview. */
export async function refreshOverview() {
  wireControls();
  const [status, decisions, { events }] = await Promise.all([
    getStatus(),
    getDecisions(),
    getJson('/api/v1/events?limit=20'),
  ]);
  const servers = status.servers.concat(status.unregistered);
  view.rules = [...new Set(servers.flatMap((server) => server.rules.map((reading) => reading.rule)))];
  view.decisionsShown = decisions !== null;
  view.rows = servers.map((server) => rowOf(server, decisions));
  renderOwners();
  renderMatrix();
  renderUnregistered(status.unregistered);
  renderEvents(events);
  const firing = servers.filter((server) => server.state === 'firing').length;
  const total = status.total.servers + status.total.unregistered;
  document.getElementById('summary').textContent =
    `${status.total.servers} registered, ${status.total.unregistered} unregistered, ${firing} firing${servers.length < total ? ` among the first ${servers.length} read (the API and budgetwatch status list all)` : ''} · ${new Date(status.generatedAt).toLocaleTimeString()}`;
  // For the browser tests and anyone timing the page: when the overview was first drawn in full.
  if (performance.getEntriesByName('overview-rendered').length === 0) performance.mark('overview-rendered');
}
