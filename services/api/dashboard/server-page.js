// A server's page (#/server/<name>): its inventory card, CRS, decisions in force, one row per
// series with the rules as columns, charts of the chosen series, silences (create and expire,
// with the API token) and its recent events with what became of their notifications.
import { ApiRefused, getJson, send, TokenRequired } from './api.js';
import { ruleChart } from './chart.js';
import { displayText } from './display-text.js';
import { budgetText, decisionLabel, element, inUnit, name, stateLabel, time } from './format.js';
import { getDecisions } from './overview.js';

/** Charts are read again at most this often: a point is 1 or 5 minutes. */
const CHART_REFRESH_MS = 30_000;
const page = { server: null, tool: null, status: null, chartsReadAt: 0, chartsKey: '' };

const path = (server) => `/api/v1/servers/${encodeURIComponent(server)}`;

function renderInventory(entry) {
  const list = document.querySelector('#inventory-card dl');
  if (entry === null) {
    list.replaceChildren(element('dt', {}, 'not in the inventory'), element('dd', {}, 'seen in spans only'));
    return;
  }
  const item = (term, ...value) => [element('dt', {}, term), element('dd', {}, ...value)];
  const owner = entry.owner;
  list.replaceChildren(
    ...item('name', name(entry.name)),
    ...item(
      'owner',
      owner === null ? '(none)' : name(owner.team),
      owner?.email ? ' · ' : '',
      owner?.email ? name(owner.email) : '',
      owner?.slackChannel ? ' · ' : '',
      owner?.slackChannel ? name(owner.slackChannel) : '',
    ),
    ...item('tier', String(entry.tier)),
    ...item(
      'kill switch',
      entry.killSwitch.owner === null ? 'no owner' : name(entry.killSwitch.owner),
      ' · last tested ',
      entry.killSwitch.lastTestedAt === null ? 'never' : time(entry.killSwitch.lastTestedAt),
    ),
    ...item('fallback mode', entry.fallbackMode === null ? '(none)' : name(entry.fallbackMode)),
    ...item(
      'blast radius',
      entry.maxBlastRadius === null ? '(not stated)' : name(entry.maxBlastRadius),
      ` · writes ${entry.writeCapability} · data ${entry.dataSensitivity}`,
      entry.downstreamImpact === null ? '' : ' · ',
      entry.downstreamImpact === null ? '' : name(entry.downstreamImpact),
    ),
    ...item(
      'recovery checklist',
      entry.recoveryChecklist.length === 0
        ? '(none)'
        : element('ol', {}, ...entry.recoveryChecklist.map((step) => element('li', {}, name(step)))),
    ),
  );
}

function renderCrs(crs) {
  const box = document.querySelector('#crs-card div');
  if (crs === null) {
    box.replaceChildren('not scored: the server is not in the inventory');
    return;
  }
  box.replaceChildren(
    element(
      'p',
      { class: crs.gated ? 'halted' : '' },
      `CRS ${crs.crs.toFixed(1)} (halts at ${crs.threshold})${crs.gated ? ' · expansion halted' : ''}`,
    ),
    element('p', {}, `auth ${crs.A} · reliability ${crs.R} · ownership ${crs.O} · blast radius ${crs.B}`),
    element(
      'ul',
      { class: 'reasons' },
      ...crs.reasons.map((reason) =>
        element('li', {}, `${reason.factor} +${reason.points}: `, displayText(reason.text, 400)),
      ),
    ),
  );
}

/** `decisions`: getDecisions' answer (null: no decision feed on this API). */
function renderDecisions(decisions) {
  const card = document.getElementById('decisions-card');
  card.hidden = decisions === null;
  if (decisions === null) return;
  const list = card.querySelector('ul');
  if (!(decisions instanceof Map)) {
    list.replaceChildren(element('li', {}, `unavailable: ${displayText(decisions.unavailable, 200)}`));
    return;
  }
  const subjects = decisions.get(page.server) ?? [];
  const items = subjects.flatMap((subject) =>
    subject.decisions.map((decision) =>
      element(
        'li',
        { 'data-kind': decision.kind, 'data-tool': subject.tool },
        element('strong', {}, decisionLabel(decision.kind)),
        ' on ',
        subject.tool === null ? 'the server' : name(subject.tool),
        ` since ${time(decision.since)} · `,
        decision.causes
          .map(
            (cause) =>
              `${displayText(cause.rule)}${cause.actor ? ` by ${displayText(cause.actor)}` : ''}${cause.reason ? `: ${displayText(cause.reason, 200)}` : ''}`,
          )
          .join('; '),
      ),
    ),
  );
  list.replaceChildren(...(items.length === 0 ? [element('li', {}, 'none: traffic flows as usual')] : items));
}

/** The rollup's and each tool's readings, one row each, the rules as columns. */
function renderTools(status) {
  const rules = [...new Set(status.rules.map((reading) => reading.rule))];
  document
    .getElementById('tools-head')
    .replaceChildren(
      element('th', {}, 'series'),
      ...rules.map((rule) => element('th', {}, displayText(rule))),
    );
  const series = [null, ...status.tools];
  const rows = series.map((tool) => {
    const readings = new Map(
      status.rules.filter((reading) => reading.tool === tool).map((reading) => [reading.rule, reading]),
    );
    const state = [...readings.values()].some((reading) => reading.state === 'firing') ? 'firing' : 'ok';
    const choose = element(
      'button',
      { type: 'button', class: 'series' },
      tool === null ? 'server (all tools)' : name(tool),
    );
    choose.addEventListener('click', () => {
      page.tool = tool;
      void refreshCharts(true);
      renderTools(page.status);
    });
    return element(
      'tr',
      {
        'data-tool': tool ?? '',
        'data-state': state,
        class: tool === page.tool ? 'chosen' : '',
        'aria-current': tool === page.tool ? 'true' : null,
      },
      element('th', { scope: 'row' }, choose),
      ...rules.map((rule) => {
        const reading = readings.get(rule);
        if (reading === undefined) return element('td', { 'data-rule': rule }, '');
        return element(
          'td',
          { class: `rule ${reading.state}`, 'data-rule': rule, 'data-state': reading.state },
          element('span', { class: 'state' }, stateLabel(reading.state)),
          ' ',
          element('span', { class: 'value' }, inUnit(reading.unit, reading.value)),
          element('small', {}, ` ${budgetText(reading.budgetUsed)}`),
        );
      }),
    );
  });
  document.querySelector('#tools tbody').replaceChildren(...rows);
  setChoices('silence-tool', status.tools);
  setChoices('silence-rule', rules);
}

/**
 * The options of a select of the silence form: "any" and `values`, rebuilt only when they change
 * (a refresh must not close a list the operator has open), keeping the choice when it remains.
 */
function setChoices(id, values) {
  const select = document.getElementById(id);
  const key = JSON.stringify(values);
  if (select.dataset.values === key) return;
  const chosen = select.value;
  select.replaceChildren(
    element('option', { value: '' }, 'any'),
    ...values.map((value) => element('option', { value }, displayText(value))),
  );
  select.dataset.values = key;
  select.value = values.includes(chosen) ? chosen : '';
}

/** Whether a silence's matchers cover this server's series `tool` and `rule` (null: any). */
function silenceCovers(silence, tool, rule) {
  const { matchers } = silence;
  if (matchers.server !== undefined && matchers.server !== page.server) return false;
  if (matchers.tool !== undefined && tool !== undefined && matchers.tool !== tool) return false;
  return matchers.rule === undefined || rule === undefined || matchers.rule === rule;
}

function markersOf(events, silences, rule) {
  const markers = [];
  for (const event of events) {
    if (event.data.rule !== rule) continue;
    const kind = event.data.drill
      ? 'drill'
      : event.type === 'budgetwatch.budget.breached'
        ? 'breach'
        : event.type === 'budgetwatch.budget.recovered'
          ? 'resolve'
          : null;
    if (kind === null) continue;
    // Drill events of any of the server's drill series; breaches and resolves of this series.
    if (kind !== 'drill' && event.data.tool !== page.tool) continue;
    if (kind === 'drill' && event.type !== 'budgetwatch.budget.breached') continue;
    markers.push({ kind, timeMs: Date.parse(event.time) });
  }
  for (const silence of silences) {
    if (!silenceCovers(silence, page.tool, rule)) continue;
    markers.push({
      kind: 'silence',
      timeMs: Date.parse(silence.startsAt),
      label: displayText(silence.createdBy),
    });
  }
  return markers.sort((a, b) => a.timeMs - b.timeMs);
}

async function refreshCharts(force = false) {
  const key = `${page.server} ${page.tool}`;
  if (!force && key === page.chartsKey && Date.now() - page.chartsReadAt < CHART_REFRESH_MS) return;
  page.chartsKey = key;
  page.chartsReadAt = Date.now();
  const server = page.server;
  const query = page.tool === null ? '' : `?tool=${encodeURIComponent(page.tool)}`;
  const [history, { events }, silences] = await Promise.all([
    getJson(`${path(server)}/history${query}`, { optional: true }),
    getJson(`/api/v1/events?server=${encodeURIComponent(server)}&limit=1000`),
    getSilences(),
  ]);
  if (server !== page.server || key !== `${page.server} ${page.tool}`) return;
  const charts = document.getElementById('charts');
  document
    .getElementById('charts-title')
    .replaceChildren('Charts of ', page.tool === null ? 'the server (all tools)' : name(page.tool));
  if (history === null) {
    charts.replaceChildren(element('p', {}, 'no series to chart'));
    return;
  }
  // Two charts a row (dashboard.css), each less its border and padding.
  const width = Math.max(300, Math.floor((charts.clientWidth || 1100) / 2) - 32);
  charts.replaceChildren(
    ...history.rules.map((chart) => ruleChart(chart, markersOf(events, silences, chart.rule), width)),
  );
  charts.dataset.generatedAt = history.generatedAt;
}

async function getSilences() {
  const { silences } = await getJson('/api/v1/silences?limit=1000');
  return silences.filter((silence) => silenceCovers(silence, undefined, undefined));
}

function renderSilences(silences) {
  document.querySelector('#silences tbody').replaceChildren(
    ...silences.map((silence) => {
      const expire = element('button', { type: 'button' }, 'expire');
      expire.disabled = silence.state === 'expired';
      expire.addEventListener('click', async () => {
        await act(() => send('DELETE', `/api/v1/silences/${encodeURIComponent(silence.id)}`));
      });
      const { matchers } = silence;
      return element(
        'tr',
        { 'data-silence': silence.id, 'data-state': silence.state },
        element('td', {}, silence.state),
        element(
          'td',
          {},
          [
            matchers.server === undefined ? 'every server' : null,
            matchers.tier === undefined ? null : `tier ${matchers.tier}`,
            matchers.tool === undefined ? 'any tool' : `tool ${displayText(matchers.tool)}`,
            matchers.rule === undefined ? 'any rule' : `rule ${displayText(matchers.rule)}`,
          ]
            .filter((part) => part !== null)
            .join(' · '),
        ),
        element('td', {}, time(silence.endsAt)),
        element('td', {}, name(silence.createdBy)),
        element('td', {}, name(silence.comment)),
        element('td', {}, expire),
      );
    }),
  );
}

function renderNotifications(notifications, events) {
  const byId = new Map(events.map((event) => [event.id, event]));
  document.querySelector('#notifications tbody').replaceChildren(
    ...notifications.map(({ event, channels }) => {
      const data = byId.get(event.id)?.data ?? {};
      const outcomes = Object.entries(channels).map(([channel, entry]) =>
        element(
          'li',
          { 'data-channel': channel, 'data-outcome': entry.outcome },
          `${displayText(channel)}: ${entry.outcome.replace('_', ' ')}`,
          entry.reason === undefined ? '' : ` (${displayText(entry.reason, 200)})`,
          entry.outcome === 'acknowledged' || entry.outcome === 'silence_created'
            ? ` by ${displayText(entry.by)}`
            : '',
          ` · ${new Date(entry.at).toLocaleTimeString()}`,
        ),
      );
      return element(
        'tr',
        { 'data-event': event.id, 'data-type': event.type },
        element('td', {}, time(event.time)),
        element('td', {}, event.type.replace(/^budgetwatch\./, '')),
        element('td', {}, typeof data.tool === 'string' ? name(data.tool) : ''),
        element('td', {}, typeof data.rule === 'string' ? name(data.rule) : ''),
        element('td', {}, outcomes.length === 0 ? 'nothing logged yet' : element('ul', {}, ...outcomes)),
      );
    }),
  );
}

/** Runs a write (create, expire); on success redraws, on refusal says why. */
async function act(write) {
  const problem = document.getElementById('silence-problem');
  problem.hidden = true;
  try {
    await write();
    await refreshServer(page.server, true);
  } catch (error) {
    if (error instanceof TokenRequired) return;
    problem.textContent =
      error instanceof ApiRefused ? error.message : `cannot reach the API: ${error.message}`;
    problem.hidden = false;
  }
}

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  document.getElementById('silence-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (id) => document.getElementById(id).value;
    const matchers = { server: page.server };
    if (value('silence-tool') !== '') matchers.tool = value('silence-tool');
    if (value('silence-rule') !== '') matchers.rule = value('silence-rule');
    void act(() =>
      send('POST', '/api/v1/silences', {
        matchers,
        endsAt: new Date(Date.now() + Number(value('silence-duration'))).toISOString(),
        createdBy: value('silence-author').trim(),
        comment: value('silence-comment').trim(),
      }),
    );
  });
}

/** Shows `server`'s page; reads everything again (the charts at most every CHART_REFRESH_MS). */
export async function refreshServer(server, forceCharts = false) {
  wire();
  if (page.server !== server) {
    page.server = server;
    page.tool = null;
    page.chartsKey = '';
  }
  const base = path(server);
  const encoded = encodeURIComponent(server);
  const [status, entry, crs, decisions, silences, { notifications }, { events }] = await Promise.all([
    getJson(base, { optional: true }),
    getJson(`${base}/inventory`, { optional: true }),
    getJson(`/api/v1/crs/${encoded}`, { optional: true }),
    getDecisions(server),
    getSilences(),
    getJson(`/api/v1/notifications?server=${encoded}&limit=50`),
    getJson(`/api/v1/events?server=${encoded}&limit=50`),
  ]);
  if (page.server !== server) return;
  document
    .getElementById('server-title')
    .replaceChildren(
      name(server),
      ' ',
      element(
        'span',
        { class: `badge ${status?.state ?? 'no_data'}` },
        stateLabel(status?.state ?? 'no_data'),
      ),
    );
  page.status = status;
  if (status === null) {
    document.querySelector('#tools tbody').replaceChildren();
    document.getElementById('charts').replaceChildren(element('p', {}, 'neither registered nor seen in 24h'));
  } else {
    if (page.tool !== null && !status.tools.includes(page.tool)) page.tool = null;
    renderTools(status);
  }
  renderInventory(entry);
  renderCrs(crs);
  renderDecisions(decisions);
  renderSilences(silences);
  renderNotifications(notifications, events);
  document.getElementById('summary').textContent =
    `server ${displayText(server)} · ${new Date().toLocaleTimeString()}`;
  if (status !== null) await refreshCharts(forceCharts);
}
