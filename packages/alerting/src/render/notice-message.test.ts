import { operatorEvent } from '@budgetwatch/events';
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

const killSwitch = (type: 'killswitch.engaged' | 'killswitch.released', reason: string) =>
  operatorEvent({
    type,
    subject: { server: 'payments-mcp', tool: null },
    actor: 'alice',
    reason,
    responder: { fallbackMode: null, killSwitchOwner: null },
    stamp: { atMs: Date.UTC(2026, 10, 25, 11), nonce: type.length },
  });

describe('rollout notice messages', () => {
  it("a kill switch: who engaged it and why, to the owner's route, never silenced", () => {
    const engaged = killSwitch('killswitch.engaged', `leaked keys\n${EVIL}`);
    const released = killSwitch('killswitch.released', 'keys rotated');
    const plan = planDispatch(
      {
        incident: null,
        events: [engaged, released],
        silences: [
          {
            id: 'sil-1',
            matchers: { server: 'payments-mcp' },
            startsAt: '2026-11-25T00:00:00.000Z',
            endsAt: '2026-11-26T00:00:00.000Z',
            createdBy: 'bob',
            comment: 'maintenance',
            createdAt: '2026-11-25T00:00:00.000Z',
          },
        ],
        nowMs: Date.UTC(2026, 10, 25, 12),
      },
      {
        repeatIntervalMs: 3_600_000,
        routing: { default: { slackChannel: '#budgetwatch', emails: [] }, tiers: {} },
        responderOf: paymentsOnlyInventory,
      },
    );
    expect(plan.muted).toEqual([]);
    expect(plan.planned).toBeNull();
    const [notice] = plan.notices;
    expect(notice?.route).toMatchObject({ slackChannel: '#payments-oncall' });
    expect(notice?.notices.map((one) => one.kind)).toEqual(['kill_switch_engaged', 'kill_switch_released']);
    const slack = JSON.stringify(renderNoticeSlackMessage(notice as PlannedNotice, RENDER).blocks);
    expect(slack).toContain('Kill switch engaged, Kill switch released');
    expect(slack).toContain('was engaged by alice: guards block every call to it.');
    // The reason is one line, and no mention or link reaches Slack.
    expect(slack).toContain('Reason: leaked keys\\\\u{A}&lt;!channel&gt; &lt;https://evil.example|click&gt;');
    const email = renderNoticeEmailMessage(notice as PlannedNotice, RENDER);
    expect(email.subject).toBe('[Budgetwatch] Kill switch engaged, Kill switch released: payments-mcp');
    expect(email.text).toContain('was released by alice: calls flow again.\nReason: keys rotated');
    expect(email.html).toContain('Reason: leaked keys\\u{A}&lt;!channel&gt;');
  });

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
