import { displayText } from '@budgetwatch/domain';
import type { Incident, PlannedNotification } from '../incident.js';
import { actionsSummary, alertSummary, alertsToShow, inventoryText, KIND_TITLES } from './describe-alert.js';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  /** `<...>` ids for threading: this message's own, and the thread's first. */
  messageId: string;
  inReplyTo: string | null;
}

/** Server ids and rule ids that may appear in a Subject: plain tokens only; anything else is described. */
export const HEADER_SAFE = /^[A-Za-z0-9._-]{1,64}$/;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Message-IDs are built from the incident and notification ids only (never from span text). */
export function emailMessageId(notificationId: string, domain: string): string {
  return `<${notificationId.replace(/[^A-Za-z0-9.-]/g, '.')}@${domain}>`;
}

/**
 * One email of an incident's thread. Span text (server and tool names) never reaches a header:
 * the subject names the server and the rules only when they are plain tokens, and the ids are
 * Budgetwatch's own. In the bodies every name is display-safe (`displayText`), so a name is one
 * line of the text part and cannot start one, then escaped in the HTML part.
 */
export function renderEmailMessage(
  incident: Incident,
  notification: PlannedNotification,
  options: { dashboardUrl: string | null; messageIdDomain: string },
): EmailMessage {
  const drill = incident.drill ? '[DRILL] ' : '';
  const title = KIND_TITLES[notification.kind];
  const rules = [...new Set(notification.alerts.map((alert) => alert.rule))]
    .map((rule) => (HEADER_SAFE.test(rule) ? rule : 'a rule with an unusual id'))
    .join(', ');
  const server = HEADER_SAFE.test(incident.server) ? incident.server : 'a server with an unusual id';
  const subject = `[Budgetwatch] ${drill}${title}: ${rules} on ${server}`;
  const alerts = alertsToShow(
    notification.alerts,
    [...notification.breached, ...notification.recovered],
    notification.kind,
  );
  const responder = incident.responder;
  const inventoryValue = (text: string | null) => (text === null ? 'not in inventory' : inventoryText(text));

  const lines = [
    `${drill}${title} — server "${displayText(incident.server)}"`,
    incident.drill ? 'This is a DRILL: synthetic traffic, not production.' : null,
    incident.route.ownerless ? 'No owner is registered for this server in the inventory.' : null,
    '',
    ...alerts.flatMap((alert) => [
      `* [${alert.status.toUpperCase()}] ${displayText(alert.rule)} on ${alert.tool === null ? 'the server (all tools)' : `tool "${displayText(alert.tool)}"`}`,
      `  ${alertSummary(alert)}`,
      ...(actionsSummary(alert) === null ? [] : [`  ${actionsSummary(alert)}`]),
    ]),
    '',
    `Tier: ${responder.tier ?? 'unregistered'}`,
    `Owner: ${inventoryValue(responder.owner?.team ?? null)}`,
    `Kill-switch owner: ${inventoryValue(responder.killSwitchOwner)}`,
    `Fallback mode: ${inventoryValue(responder.fallbackMode)}`,
    `Max blast radius: ${inventoryValue(responder.maxBlastRadius)}`,
    ...(notification.kind === 'resolved'
      ? []
      : [
          '',
          'Recovery checklist:',
          ...(responder.recoveryChecklist.length === 0
            ? ['  (none in the inventory for this server)']
            : responder.recoveryChecklist.map((step, i) => `  ${i + 1}. ${inventoryText(step)}`)),
        ]),
    '',
    options.dashboardUrl === null ? null : `Dashboard: ${options.dashboardUrl}`,
    `Incident ${incident.id}, notification ${notification.id}`,
  ].filter((line): line is string => line !== null);

  const html = [
    `<h2>${escapeHtml(`${drill}${title}`)}: server <code>${escapeHtml(displayText(incident.server))}</code></h2>`,
    incident.drill ? '<p><strong>DRILL</strong>: synthetic traffic, not production.</p>' : '',
    incident.route.ownerless
      ? '<p><strong>No owner is registered for this server in the inventory.</strong></p>'
      : '',
    '<ul>',
    ...alerts.map(
      (alert) =>
        `<li><strong>${escapeHtml(alert.status.toUpperCase())}</strong> ${escapeHtml(displayText(alert.rule))} on ${
          alert.tool === null
            ? 'the server (all tools)'
            : `tool <code>${escapeHtml(displayText(alert.tool))}</code>`
        }<br>${escapeHtml(alertSummary(alert))}${
          actionsSummary(alert) === null ? '' : `<br>${escapeHtml(actionsSummary(alert) ?? '')}`
        }</li>`,
    ),
    '</ul>',
    '<table>',
    ...[
      ['Tier', String(responder.tier ?? 'unregistered')],
      ['Owner', inventoryValue(responder.owner?.team ?? null)],
      ['Kill-switch owner', inventoryValue(responder.killSwitchOwner)],
      ['Fallback mode', inventoryValue(responder.fallbackMode)],
      ['Max blast radius', inventoryValue(responder.maxBlastRadius)],
    ].map(
      ([name, value]) =>
        `<tr><th align="left">${escapeHtml(name ?? '')}</th><td>${escapeHtml(value ?? '')}</td></tr>`,
    ),
    '</table>',
    notification.kind === 'resolved'
      ? ''
      : `<h3>Recovery checklist</h3>${
          responder.recoveryChecklist.length === 0
            ? '<p>None in the inventory for this server.</p>'
            : `<ol>${responder.recoveryChecklist.map((step) => `<li>${escapeHtml(inventoryText(step))}</li>`).join('')}</ol>`
        }`,
    options.dashboardUrl === null ? '' : `<p><a href="${escapeHtml(options.dashboardUrl)}">Dashboard</a></p>`,
    `<p><small>Incident ${escapeHtml(incident.id)}, notification ${escapeHtml(notification.id)}</small></p>`,
  ]
    .filter((part) => part !== '')
    .join('\n');

  const messageId = emailMessageId(notification.id, options.messageIdDomain);
  return {
    subject,
    text: `${lines.join('\n')}\n`,
    html,
    messageId,
    inReplyTo: incident.emailThread === messageId ? null : incident.emailThread,
  };
}
