import { budgetTransitionEvents as transition } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { planDispatch } from '../incident-planner.js';
import { decodeIncidentReference, SLACK_ACTIONS } from '../slack-actions.js';
import { renderEmailMessage } from './email-message.js';
import { slackLimitProblems } from './slack-limits.js';
import { renderSlackMessage, slackLiteral } from './slack-message.js';

const T0 = Date.UTC(2026, 10, 25, 12);
const EVIL = '<!channel> <https://evil.example|click>';
const ROUTING = { default: { slackChannel: '#budgetwatch', emails: ['sre@example.com'] }, tiers: {} };

function opened(options: { tool?: string; server?: string } = {}) {
  const plan = planDispatch(
    {
      incident: null,
      events: transition({ transition: 'breached', number: 1, ...options }),
      silences: [],
      nowMs: T0,
    },
    { repeatIntervalMs: 3_600_000, routing: ROUTING },
  );
  if (plan.incident === null || plan.planned === null) throw new Error('expected a notification');
  return { incident: plan.incident, notification: plan.planned };
}

describe('slackLiteral', () => {
  it.each([
    ['<!channel>', '`&lt;!channel&gt;`'],
    ['<!here>', '`&lt;!here&gt;`'],
    ['<@U024BE7LH>', '`&lt;@U024BE7LH&gt;`'],
    ['a&b', '`a&amp;b`'],
    ['back`tick', "`back'tick`"],
    ['two\nlines', '`two\\u{A}lines`'],
    ['', '` `'],
  ])('%j -> %j', (input, output) => {
    expect(slackLiteral(input)).toBe(output);
  });
});

describe('Slack message', () => {
  it('carries the rule, value, threshold, window, responders and recovery checklist', () => {
    const { incident, notification } = opened();
    const message = renderSlackMessage(incident, notification, { dashboardUrl: 'http://bw.example/' });
    const all = JSON.stringify(message);
    expect(all).toContain('success-rate');
    expect(all).toContain(
      'success rate 90.91%, threshold &lt; 97% over 24h (100 of 110 served calls succeeded)',
    );
    expect(all).toContain('Check the payment provider status');
    expect(all).toContain('alice');
    expect(all).toContain('read-only cache');
    expect(all).toContain('traffic.frozen');
    expect(all).toContain('<http://bw.example/|dashboard>');
    expect(message.text).toContain('payments-mcp');
  });

  it('renders a hostile tool and server name inert in blocks and fallback text', () => {
    const { incident, notification } = opened({ tool: EVIL, server: EVIL });
    const message = renderSlackMessage(incident, notification, { dashboardUrl: null });
    const all = JSON.stringify(message);
    expect(all).not.toMatch(/<!channel>|<!here>|<https?:|<@/);
    expect(all).toContain('`&lt;!channel&gt; &lt;https://evil.example|click&gt;`');
  });

  it('has acknowledge, silence and dashboard buttons naming the incident, within Slack limits', () => {
    const { incident, notification } = opened({ server: EVIL });
    const message = renderSlackMessage(incident, notification, { dashboardUrl: 'http://bw.example/' });
    const actions = message.blocks.find((block) => block.type === 'actions');
    if (actions?.type !== 'actions') throw new Error('expected an actions block');
    expect(actions.elements.map((button) => [button.action_id, button.text.text])).toEqual([
      [SLACK_ACTIONS.acknowledge, 'Acknowledge'],
      [SLACK_ACTIONS.silence1h, 'Silence 1h'],
      [SLACK_ACTIONS.silence4h, 'Silence 4h'],
      [SLACK_ACTIONS.silence24h, 'Silence 24h'],
      [SLACK_ACTIONS.dashboard, 'Open dashboard'],
    ]);
    for (const button of actions.elements.slice(0, 4)) {
      expect(decodeIncidentReference(button.value)).toEqual({
        incidentId: incident.id,
        server: EVIL,
        drill: false,
      });
    }
    expect(actions.elements[4]?.url).toBe('http://bw.example/');
    expect(slackLimitProblems(message)).toEqual([]);
  });

  it('has no dashboard button without a dashboard URL, and no buttons once resolved', () => {
    const { incident, notification } = opened();
    const open = renderSlackMessage(incident, notification, { dashboardUrl: null });
    const buttons = open.blocks.flatMap((block) => (block.type === 'actions' ? block.elements : []));
    expect(buttons.map((button) => button.action_id)).not.toContain(SLACK_ACTIONS.dashboard);
    expect(buttons).toHaveLength(4);
    const resolved = renderSlackMessage(
      { ...incident, resolvedAt: new Date(T0 + 1000).toISOString() },
      { ...notification, kind: 'resolved' },
      { dashboardUrl: 'http://bw.example/' },
    );
    expect(resolved.blocks.some((block) => block.type === 'actions')).toBe(false);
  });

  it('labels drills', () => {
    const plan = planDispatch(
      {
        incident: null,
        events: transition({ transition: 'breached', number: 1, drill: true }),
        silences: [],
        nowMs: T0,
      },
      { repeatIntervalMs: 1, routing: ROUTING },
    );
    if (plan.incident === null || plan.planned === null) throw new Error('expected a notification');
    const message = renderSlackMessage(plan.incident, plan.planned, { dashboardUrl: null });
    expect(message.text).toMatch(/^\[DRILL\]/);
  });
});

describe('email message', () => {
  it('has text and HTML bodies with the numbers and checklist, threaded by Message-ID', () => {
    const { incident, notification } = opened();
    const email = renderEmailMessage(incident, notification, {
      dashboardUrl: null,
      messageIdDomain: 'bw.example',
    });
    expect(email.subject).toBe('[Budgetwatch] Budget breached: success-rate on payments-mcp');
    expect(email.text).toContain('success rate 90.91%, threshold < 97% over 24h');
    expect(email.text).toContain('2. Check the payment provider status');
    expect(email.html).toContain('<li>Check the payment provider status</li>');
    expect(email.messageId).toMatch(/^<inc-[0-9a-f]{16}\.0@bw\.example>$/);
    expect(email.inReplyTo).toBeNull();
    const reply = renderEmailMessage(
      { ...incident, emailThread: email.messageId },
      { ...notification, id: `${incident.id}/1`, kind: 'resolved' },
      { dashboardUrl: null, messageIdDomain: 'bw.example' },
    );
    expect(reply.inReplyTo).toBe(email.messageId);
  });

  it('keeps span text out of headers and escapes it in HTML', () => {
    const { incident, notification } = opened({ tool: EVIL, server: `${EVIL}\r\nBcc: x@evil.example` });
    const email = renderEmailMessage(incident, notification, {
      dashboardUrl: null,
      messageIdDomain: 'bw.example',
    });
    expect(email.subject).toBe('[Budgetwatch] Budget breached: success-rate on a server with an unusual id');
    expect(email.messageId).not.toContain('evil');
    expect(email.html).not.toContain('<!channel>');
    expect(email.html).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt;');
  });
});
