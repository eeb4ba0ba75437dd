import { displayText } from '@budgetwatch/domain';
import type { Alert, Incident, PlannedNotification } from '../incident.js';
import { encodeIncidentReference, SLACK_ACTIONS } from '../slack-actions.js';
import { actionsSummary, alertSummary, alertsToShow, inventoryText, KIND_TITLES } from './describe-alert.js';
import { fitLines, keepBlocksThatFit, SLACK_BUDGETS, SLACK_LIMITS } from './slack-limits.js';

/** A Block Kit block; only the shapes this renderer emits. */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string }; fields?: { type: 'mrkdwn'; text: string }[] }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'divider' }
  | { type: 'actions'; block_id: string; elements: SlackButton[] };

/** A Block Kit button: an action sent to the interactivity endpoint, or a link. */
export interface SlackButton {
  type: 'button';
  action_id: string;
  text: { type: 'plain_text'; text: string };
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
}

export interface SlackMessage {
  /** Plain-text fallback (notifications, screen readers); escaped like the blocks. */
  text: string;
  blocks: SlackBlock[];
}

/**
 * Untrusted text (server and tool names) as inert mrkdwn: display-safe (`displayText`: one line,
 * controls, bidi and invisible characters shown as escapes, at most NAME_DISPLAY_LENGTH long),
 * then `&`, `<` and `>` are escaped, so `<!channel>`, `<@U123>` and `<https://x|label>` cannot
 * form; backticks are replaced and the text sits in a code span, so it cannot style or auto-link
 * either.
 */
export function slackLiteral(text: string): string {
  const flat = slackText(displayText(text).replace(/`/g, "'"));
  return `\`${flat.length > 0 ? flat : ' '}\``;
}

/**
 * Text shown as written (Budgetwatch's own, and operators' once display-safe: inventory fields,
 * rule ids, URLs): escaped.
 */
export function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function subjectOf(alert: Pick<Alert, 'server' | 'tool'>): string {
  return alert.tool === null
    ? `server ${slackLiteral(alert.server)} (all tools)`
    : `tool ${slackLiteral(alert.tool)}`;
}

const STATUS_MARK = { firing: ':red_circle:', resolved: ':large_green_circle:' } as const;

/** The message of one notification; `edit` renders the thread's first message as it stands now. */
export function renderSlackMessage(
  incident: Incident,
  notification: PlannedNotification,
  options: { dashboardUrl: string | null; edit?: boolean },
): SlackMessage {
  const drill = incident.drill ? '[DRILL] ' : '';
  const kind =
    options.edit === true ? (incident.resolvedAt === null ? 'opened' : 'resolved') : notification.kind;
  const alerts =
    options.edit === true
      ? notification.alerts
      : alertsToShow(notification.alerts, [...notification.breached, ...notification.recovered], kind);
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: displayText(`${drill}${KIND_TITLES[kind]}`, SLACK_LIMITS.headerText),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${drill === '' ? '' : '*DRILL* — not production traffic. '}Server ${slackLiteral(incident.server)}${incident.route.ownerless ? ' — *no owner is registered for this server in the inventory*' : ''}`,
      },
    },
  ];
  const firstAlert = blocks.length;
  for (const alert of alerts) {
    const lines = [
      `${STATUS_MARK[alert.status]} *${slackText(displayText(alert.rule))}* on ${subjectOf(alert)}`,
      slackText(alertSummary(alert)),
      actionsSummary(alert) === null ? null : slackText(actionsSummary(alert) ?? ''),
      alert.silencedBy === null || alert.status === 'resolved'
        ? null
        : `silenced by ${slackText(alert.silencedBy)}`,
    ].filter((line): line is string => line !== null);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } });
  }
  const responder = incident.responder;
  const value = (text: string | null) =>
    text === null ? '_not in inventory_' : slackText(inventoryText(text));
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: '*Responders*' },
    fields: [
      {
        type: 'mrkdwn',
        text: `*Tier*\n${responder.tier === null ? '_unregistered_' : String(responder.tier)}`,
      },
      { type: 'mrkdwn', text: `*Owner*\n${value(responder.owner?.team ?? null)}` },
      { type: 'mrkdwn', text: `*Kill-switch owner*\n${value(responder.killSwitchOwner)}` },
      { type: 'mrkdwn', text: `*Fallback mode*\n${value(responder.fallbackMode)}` },
      { type: 'mrkdwn', text: `*Max blast radius*\n${value(responder.maxBlastRadius)}` },
    ],
  });
  if (kind !== 'resolved') {
    const checklist =
      responder.recoveryChecklist.length === 0
        ? '_No recovery checklist in the inventory for this server._'
        : fitLines(
            responder.recoveryChecklist.map((step, i) => `${i + 1}. ${slackText(inventoryText(step))}`),
            SLACK_BUDGETS.checklistText,
            (count) => `_…and ${count} more step(s) in the inventory._`,
          );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Recovery checklist*\n${checklist}` } });
  }
  const actions = actionsBlock(incident, options.dashboardUrl);
  if (actions !== null) blocks.push(actions);
  const context = [`incident ${incident.id}`, `notification ${notification.id}`];
  if (options.dashboardUrl !== null) context.push(`<${slackText(options.dashboardUrl)}|dashboard>`);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });

  const fallback = fitLines(
    [
      `${drill}${KIND_TITLES[kind]}: ${slackLiteral(incident.server)}`,
      ...alerts.map(
        (alert) =>
          `${slackText(displayText(alert.rule))} on ${subjectOf(alert)}: ${slackText(alertSummary(alert))}${
            actionsSummary(alert) === null ? '' : ` (${slackText(actionsSummary(alert) ?? '')})`
          }`,
      ),
    ],
    SLACK_BUDGETS.fallbackText,
    (count) => `…and ${count} more`,
  );
  const leftOut = (count: number): SlackBlock => ({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `_${count} more alert(s) not shown here: the dashboard and \`budgetwatch status\` list them all._`,
    },
  });
  return { text: fallback, blocks: keepBlocksThatFit(blocks, firstAlert, alerts.length, leftOut) };
}

/**
 * The buttons of an open incident: acknowledge and silence (answered by the API's
 * /slack/interactions, docs/contract.md), and a link to the dashboard when there is one.
 */
function actionsBlock(incident: Incident, dashboardUrl: string | null): SlackBlock | null {
  if (incident.resolvedAt !== null) return null;
  const button = (action_id: string, text: string, extra: Partial<SlackButton> = {}): SlackButton => ({
    type: 'button',
    action_id,
    text: { type: 'plain_text', text },
    ...extra,
  });
  const elements: SlackButton[] = [];
  const value = encodeIncidentReference({
    incidentId: incident.id,
    server: incident.server,
    drill: incident.drill,
  });
  if (value.length <= SLACK_LIMITS.buttonValue) {
    elements.push(
      button(SLACK_ACTIONS.acknowledge, 'Acknowledge', { value, style: 'primary' }),
      button(SLACK_ACTIONS.silence1h, 'Silence 1h', { value }),
      button(SLACK_ACTIONS.silence4h, 'Silence 4h', { value }),
      button(SLACK_ACTIONS.silence24h, 'Silence 24h', { value }),
    );
  }
  if (dashboardUrl !== null && dashboardUrl.length <= SLACK_LIMITS.buttonUrl) {
    elements.push(button(SLACK_ACTIONS.dashboard, 'Open dashboard', { url: dashboardUrl }));
  }
  return elements.length === 0 ? null : { type: 'actions', block_id: 'budgetwatch.actions', elements };
}
