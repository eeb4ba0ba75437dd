// The dashboard's Telemetry coverage section, on its own: GET /api/v1/coverage every few
// seconds, drawn as plain DOM. Names and attribute keys come from spans: each is shown through
// displayText and set as text, never as markup. Attribute values are never in the report.
import { getJson } from './api.js';
import { displayText } from './display-text.js';
import { element, name } from './format.js';

const REFRESH_MS = 15_000;

/** `{a: 2, b: 1}` as "a 2, b 1", most first; "–" when empty. */
function counts(record) {
  const entries = Object.entries(record).sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return entries.length === 0
    ? '–'
    : entries.map(([key, count]) => `${displayText(key)} ${count}`).join(', ');
}

function table(headings, rows) {
  return element(
    'table',
    {},
    element('thead', {}, element('tr', {}, ...headings.map((heading) => element('th', {}, heading)))),
    element('tbody', {}, ...rows),
  );
}

function sourceRow(row) {
  return element(
    'tr',
    { 'data-source': row.source },
    element('td', {}, name(row.source)),
    element('td', {}, row.spans),
    element('td', {}, `${row.calls} (${counts(row.callsByProfile)})`),
    element('td', {}, counts(row.notCounted)),
    element('td', {}, row.unattributed),
    element('td', {}, row.withoutStatus),
    element('td', {}, row.looksLikeToolCalls),
  );
}

function serverRow(row) {
  return element(
    'tr',
    { 'data-server': row.server },
    element('td', {}, name(row.server)),
    element('td', {}, `${row.calls} (${counts(row.callsByProfile)})`),
    element('td', {}, row.withoutStatus),
    element('td', {}, row.duplicates),
  );
}

function lookAlike(example) {
  const item = element(
    'li',
    {},
    name(example.spanName),
    ` (${example.kind}, source `,
    name(example.source ?? ''),
    `, ${example.spans} span${example.spans === 1 ? '' : 's'}): `,
    example.reasons.map((reason) => displayText(reason, 400)).join('; '),
    element('br'),
    'keys: ',
    element('bdi', {}, example.attributeKeys.map((key) => displayText(key)).join(', ') || 'none'),
    example.omittedAttributeKeys === undefined ? '' : ` (+${example.omittedAttributeKeys} more)`,
  );
  if (example.builtInProfile !== undefined) {
    item.append(element('br'), `enable the built-in profile ${example.builtInProfile}`);
  }
  return item;
}

function render(report) {
  const { totals } = report;
  document.getElementById('coverage-summary').textContent =
    `${totals.spans} spans, ${totals.calls} tool calls counted, ${totals.unattributed} unattributed, ` +
    `${totals.withoutStatus} without a status, ${totals.looksLikeToolCalls} look like tool calls; ` +
    `not counted: ${counts(totals.notCounted)}`;
  const parts = [
    table(
      [
        'source',
        'spans',
        'calls (by profile)',
        'not counted',
        'unattributed',
        'without status',
        'look-alikes',
      ],
      report.sources.map(sourceRow),
    ),
  ];
  if (report.servers.length > 0) {
    parts.push(
      table(
        ['server', 'calls (by profile)', 'without status', 'duplicate spans'],
        report.servers.map(serverRow),
      ),
    );
  }
  if (report.unattributed.calls > 0) {
    parts.push(
      element('h3', {}, `Calls without attribution: ${report.unattributed.calls}`),
      element(
        'ul',
        { id: 'coverage-unattributed' },
        ...report.unattributed.tools.map((tool) => element('li', {}, name(tool.tool), `: ${tool.calls}`)),
      ),
    );
  }
  for (const limit of report.profileLimits ?? []) {
    parts.push(
      element(
        'p',
        { class: 'coverage-profile-limit' },
        name(limit.profile),
        ` (${limit.calls} calls) cannot report: ${limit.cannotReport.join('; ')}`,
      ),
    );
  }
  const overflow = Object.entries(report.overflowCalls ?? {});
  if (overflow.length > 0) {
    parts.push(
      element(
        'p',
        { id: 'coverage-overflow' },
        `Cardinality caps reached: calls counted in overflow series, ${overflow.map(([cap, calls]) => `${cap} ${calls}`).join(', ')}`,
      ),
    );
  }
  if (report.looksLikeToolCalls.length > 0) {
    parts.push(
      element('h3', {}, 'Looks like a tool call, no profile recognised it (attribute keys only)'),
      element('ul', { id: 'coverage-look-alikes' }, ...report.looksLikeToolCalls.map(lookAlike)),
    );
  }
  document.getElementById('coverage').replaceChildren(...parts);
  document.getElementById('coverage-section').hidden = totals.spans === 0;
}

async function refresh() {
  try {
    // With the read token when one was given (api.js asks for it).
    render(await getJson('/api/v1/coverage'));
  } catch (error) {
    document.getElementById('coverage-summary').textContent = `coverage unavailable: ${error.message}`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

void refresh();
