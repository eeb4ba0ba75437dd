import { displayText } from '@budgetwatch/domain';
import { MAX_REASON_LENGTH } from '@budgetwatch/events';
import type { Notice, PlannedNotice } from '../notice.js';
import { type EmailMessage, emailMessageId, escapeHtml, HEADER_SAFE } from './email-message.js';
import { type SlackBlock, type SlackMessage, slackLiteral, slackText } from './slack-message.js';

const NOTICE_TITLES: Record<Notice['kind'], string> = {
  unregistered: 'Unregistered MCP server',
  expansion_halted: 'Expansion halted',
  expansion_resumed: 'Expansion resumed',
  kill_switch_engaged: 'Kill switch engaged',
  kill_switch_released: 'Kill switch released',
};

/** Tool names listed at most: a server can expose hundreds, and the message is for people. */
const MAX_TOOLS_LISTED = 20;

/** A notice message's title: what its notices are, each kind once. */
export function noticeTitle(notice: Pick<PlannedNotice, 'notices'>): string {
  return [...new Set(notice.notices.map((one) => NOTICE_TITLES[one.kind]))].join(', ');
}

/**
 * How each renderer writes text: `untrusted` for what comes from spans (server and tool names),
 * `trusted` for Budgetwatch's and the operator's words (CRS reasons, numbers).
 */
interface TextStyle {
  untrusted(text: string): string;
  trusted(text: string): string;
}

function score(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** The sentences of one notice, in the renderer's style. */
function noticeLines(notice: Notice, server: string, style: TextStyle): string[] {
  const name = style.untrusted(server);
  if (notice.kind === 'unregistered') {
    const listed = notice.tools.slice(0, MAX_TOOLS_LISTED).map((tool) => style.untrusted(tool));
    const more = notice.tools.length - listed.length;
    return [
      `Agents call server ${name}, which the inventory does not list: no owner, tier or kill switch is on record for it.`,
      listed.length === 0
        ? 'No tools seen on it yet.'
        : `Tools seen: ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}.`,
      'Register it in the inventory (owner, tier, auth, kill switch) or block it.',
    ];
  }
  if ('actor' in notice) {
    // The operator's words come from an API request: shown display-safe, then escaped.
    const actor = style.trusted(displayText(notice.actor));
    const reason = style.trusted(displayText(notice.reason, MAX_REASON_LENGTH));
    return notice.kind === 'kill_switch_engaged'
      ? [
          `The kill switch of server ${name} was engaged by ${actor}: guards block every call to it.`,
          `Reason: ${reason}`,
          'Release it (budgetwatch kill-switch release) once the server is safe again.',
        ]
      : [
          `The kill switch of server ${name} was released by ${actor}: calls flow again.`,
          `Reason: ${reason}`,
        ];
  }
  const { crs } = notice;
  if (notice.kind === 'expansion_resumed') {
    return [
      `Expansion of server ${name} may resume: its Control-Plane Risk Score is ${score(crs.score)}, below the threshold of ${score(crs.threshold)}.`,
    ];
  }
  const reasons = crs.reasons.map(
    (reason) => `${style.trusted(reason.text)} (${reason.factor} +${score(reason.contribution)})`,
  );
  return [
    `Expansion of server ${name} is halted: its Control-Plane Risk Score is ${score(crs.score)}, at or above the threshold of ${score(crs.threshold)}.`,
    ...(reasons.length === 0 ? [] : [`Top reasons: ${reasons.join('; ')}.`]),
    `Roll it out to no more agents until the score is below ${score(crs.threshold)}.`,
  ];
}

/** A rollout notice in Slack: a message of its own, to the notice's route. */
export function renderNoticeSlackMessage(
  notice: PlannedNotice,
  options: { dashboardUrl: string | null },
): SlackMessage {
  const style: TextStyle = { untrusted: slackLiteral, trusted: slackText };
  const title = noticeTitle(notice);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title } },
    ...notice.notices.map(
      (one): SlackBlock => ({
        type: 'section',
        text: { type: 'mrkdwn', text: noticeLines(one, notice.server, style).join('\n') },
      }),
    ),
  ];
  const context = [`notice ${notice.id}`];
  if (options.dashboardUrl !== null) context.push(`<${slackText(options.dashboardUrl)}|dashboard>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  const text = [
    `${title}: ${slackLiteral(notice.server)}`,
    ...notice.notices.map((one) => noticeLines(one, notice.server, style)[0] ?? ''),
  ].join('\n');
  return { text, blocks };
}

/**
 * A rollout notice by email: a message of its own, not in an incident's thread. Span text never
 * reaches a header: the subject names the server only when its id is a plain token.
 */
export function renderNoticeEmailMessage(
  notice: PlannedNotice,
  options: { dashboardUrl: string | null; messageIdDomain: string },
): EmailMessage {
  const title = noticeTitle(notice);
  const server = HEADER_SAFE.test(notice.server) ? notice.server : 'a server with an unusual id';
  const plain: TextStyle = { untrusted: (text) => `"${text}"`, trusted: (text) => text };
  const html: TextStyle = { untrusted: (text) => `<code>${escapeHtml(text)}</code>`, trusted: escapeHtml };
  const lines = [
    `${title} — server "${notice.server}"`,
    '',
    ...notice.notices.flatMap((one) => [...noticeLines(one, notice.server, plain), '']),
    options.dashboardUrl === null ? null : `Dashboard: ${options.dashboardUrl}`,
    `Notice ${notice.id}`,
  ].filter((line): line is string => line !== null);
  const htmlParts = [
    `<h2>${escapeHtml(title)}: server <code>${escapeHtml(notice.server)}</code></h2>`,
    ...notice.notices.map((one) => `<p>${noticeLines(one, notice.server, html).join('<br>')}</p>`),
    options.dashboardUrl === null ? '' : `<p><a href="${escapeHtml(options.dashboardUrl)}">Dashboard</a></p>`,
    `<p><small>Notice ${escapeHtml(notice.id)}</small></p>`,
  ].filter((part) => part !== '');
  return {
    subject: `[Budgetwatch] ${title}: ${server}`,
    text: `${lines.join('\n')}\n`,
    html: htmlParts.join('\n'),
    messageId: emailMessageId(notice.id, options.messageIdDomain),
    inReplyTo: null,
  };
}
