import {
  crsGateTransitionEvent,
  paymentsOnlyInventory,
  unregisteredServerAnnouncement,
} from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { planDispatch } from '../incident-planner.js';
import type { PlannedNotice } from '../notice.js';
import { renderNoticeEmailMessage, renderNoticeSlackMessage } from './notice-message.js';

const EVIL = '<!channel> <https://evil.example|click>';
const RENDER = { dashboardUrl: 'https://bw.example/', messageIdDomain: 'bw.example' };

function noticeOf(events: Parameters<typeof planDispatch>[0]['events']): PlannedNotice {
  const plan = planDispatch(
    { incident: null, events, silences: [], nowMs: Date.UTC(2026, 10, 25, 12) },
    {
      repeatIntervalMs: 3_600_000,
      routing: { default: { slackChannel: '#budgetwatch', emails: ['sre@example.com'] }, tiers: {} },
      responderOf: paymentsOnlyInventory,
    },
  );
  const [notice] = plan.notices;
  if (notice === undefined) throw new Error('expected a notice');
  return notice;
}

describe('rollout notice messages', () => {
  it('an unregistered server: its tools, and what to do, in Slack and email', () => {
    const notice = noticeOf([
      unregisteredServerAnnouncement({ server: 'shadow-mcp', tools: ['exec', 'read'] }),
    ]);
    const slack = renderNoticeSlackMessage(notice, RENDER);
    expect(slack.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Unregistered MCP server' },
    });
    expect(JSON.stringify(slack.blocks)).toContain('Tools seen: `exec`, `read`.');
    expect(JSON.stringify(slack.blocks)).toContain('<https://bw.example/|dashboard>');
    expect(slack.text).toMatch(/^Unregistered MCP server: `shadow-mcp`\n/);
    const email = renderNoticeEmailMessage(notice, RENDER);
    expect(email.subject).toBe('[Budgetwatch] Unregistered MCP server: shadow-mcp');
    expect(email.text).toContain('Tools seen: "exec", "read".');
    expect(email.text).toContain('Register it in the inventory');
    expect(email.messageId).toBe(`<${notice.id}@bw.example>`);
    expect(email.inReplyTo).toBeNull();
  });

  it('lists 20 tools at most', () => {
    const tools = Array.from({ length: 25 }, (_, i) => `tool-${String(i).padStart(2, '0')}`);
    const notice = noticeOf([unregisteredServerAnnouncement({ tools })]);
    expect(renderNoticeEmailMessage(notice, RENDER).text).toContain('"tool-19" and 5 more.');
  });

  it('an expansion halt names the score, the threshold and the top reasons', () => {
    const notice = noticeOf([crsGateTransitionEvent({ transition: 'breached', number: 1 })]);
    const email = renderNoticeEmailMessage(notice, RENDER);
    expect(email.subject).toBe('[Budgetwatch] Expansion halted: payments-mcp');
    expect(email.text).toContain('Control-Plane Risk Score is 62.3, at or above the threshold of 60.');
    expect(email.text).toContain('Top reasons: 100% of the success-rate budget used (R +25);');
    const resumed = noticeOf([crsGateTransitionEvent({ transition: 'recovered', number: 2 })]);
    expect(renderNoticeSlackMessage(resumed, RENDER).text).toContain('may resume');
  });

  it('renders hostile server and tool names inert, and keeps them out of headers', () => {
    const notice = noticeOf([
      unregisteredServerAnnouncement({ server: `${EVIL}\r\nBcc: x@evil.example`, tools: [EVIL] }),
    ]);
    const slack = JSON.stringify(renderNoticeSlackMessage(notice, RENDER));
    expect(slack).not.toMatch(/<!channel>|<https?:\/\/evil|<@/);
    expect(slack).toContain('`&lt;!channel&gt; &lt;https://evil.example|click&gt;`');
    const email = renderNoticeEmailMessage(notice, RENDER);
    expect(email.subject).toBe('[Budgetwatch] Unregistered MCP server: a server with an unusual id');
    expect(email.messageId).not.toContain('evil');
    expect(email.html).not.toContain('<!channel>');
    expect(email.html).toContain('<code>&lt;!channel&gt; &lt;https://evil.example|click&gt;</code>');
  });
});
