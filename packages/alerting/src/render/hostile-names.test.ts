import { displayText } from '@budgetwatch/domain';
import type { BudgetwatchEvent, ResponderContext } from '@budgetwatch/events';
import {
  HOSTILE_NAMES,
  OWNED_RESPONDER,
  budgetTransitionEvents as transition,
  unsafeCharacters,
} from '@budgetwatch/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planDispatch } from '../incident-planner.js';
import { renderEmailMessage } from './email-message.js';
import { SLACK_LIMITS, slackLimitProblems } from './slack-limits.js';
import { renderSlackMessage, type SlackMessage } from './slack-message.js';

const T0 = Date.UTC(2026, 10, 25, 12);
const ROUTING = { default: { slackChannel: '#budgetwatch', emails: ['sre@example.com'] }, tiers: {} };
const HOSTILE = Object.entries(HOSTILE_NAMES);

/** The first notification of an incident opened by breaches of `tools` on `server`. */
function opened(options: { server: string; tools: readonly string[]; responder?: ResponderContext }) {
  const events: BudgetwatchEvent[] = options.tools.flatMap((tool) =>
    transition({
      transition: 'breached',
      number: 1,
      server: options.server,
      tool,
      responder: options.responder,
    }),
  );
  const plan = planDispatch(
    { incident: null, events, silences: [], nowMs: T0 },
    { repeatIntervalMs: 3_600_000, routing: ROUTING },
  );
  if (plan.incident === null || plan.planned === null) throw new Error('expected a notification');
  return { incident: plan.incident, notification: plan.planned };
}

function slack(options: { server: string; tools: readonly string[]; responder?: ResponderContext }) {
  const { incident, notification } = opened(options);
  // No dashboard link: it is the one link (`<http...>`) a message may carry, and the tests look for others.
  return renderSlackMessage(incident, notification, { dashboardUrl: null });
}

function email(options: { server: string; tools: readonly string[] }) {
  const { incident, notification } = opened(options);
  return renderEmailMessage(incident, notification, { dashboardUrl: null, messageIdDomain: 'bw.example' });
}

/** Every text a Slack client shows of a message. */
function slackTexts(message: SlackMessage): string[] {
  return [
    message.text,
    ...message.blocks.flatMap((block) => {
      if (block.type === 'divider') return [];
      if (block.type === 'context') return block.elements.map((element) => element.text);
      if (block.type === 'header') return [block.text.text];
      if (block.type === 'actions') return block.elements.map((button) => button.text.text);
      return [block.text.text, ...(block.fields ?? []).map((field) => field.text)];
    }),
  ];
}

/** How `name` must appear in mrkdwn: display-safe, escaped once, in a code span. */
const inSlack = (name: string) =>
  `\`${displayText(name).replace(/`/g, "'").replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\``;

/** How `name` must appear in HTML: display-safe, escaped once. */
const inHtml = (name: string) =>
  displayText(name)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

describe('Slack message with hostile names', () => {
  it.each(HOSTILE)('%s as the server and tool name: within every limit, inert, one line each', (_, name) => {
    const message = slack({ server: name, tools: [name] });
    expect(slackLimitProblems(message)).toEqual([]);
    for (const text of slackTexts(message)) {
      // Line feeds are the message's own line breaks; nothing else may be invisible or a control.
      expect(unsafeCharacters(text, ['\n'])).toEqual([]);
      expect(text).not.toMatch(/<!|<@|<#|<https?:|<script/i);
    }
    // The name, shown once escaped, on the line it belongs to: it added no line of its own. (A name
    // too long for a button's value leaves the buttons out, so only the text blocks are compared.)
    const benign = slack({ server: 'x', tools: ['x'] });
    const lineCounts = (blocks: SlackMessage['blocks']) =>
      blocks.flatMap((block) => ('text' in block ? [block.text.text.split('\n').length] : []));
    expect(lineCounts(message.blocks)).toEqual(lineCounts(benign.blocks));
    expect(message.text.split('\n')).toHaveLength(benign.text.split('\n').length);
    expect(message.blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: `Server ${inSlack(name)}` },
    });
    expect(message.text).toContain(`tool ${inSlack(name)}`);
  });

  it('shows the 4,000-character name shortened, far under the 3,000-character section limit', () => {
    const message = slack({ server: HOSTILE_NAMES.long, tools: [HOSTILE_NAMES.long] });
    expect(inSlack(HOSTILE_NAMES.long)).toMatch(/^`refunds\.a+…\[[0-9a-f]{8}\]`$/);
    for (const block of message.blocks)
      if (block.type === 'section') expect(block.text.text.length).toBeLessThan(SLACK_LIMITS.sectionText / 4);
  });

  it('escapes <!channel> and <script> once, not twice', () => {
    const message = slack({ server: 'a&b', tools: [HOSTILE_NAMES.channelMention, HOSTILE_NAMES.script] });
    const all = slackTexts(message).join('\n');
    expect(all).toContain('`a&amp;b`');
    expect(all).toContain('`&lt;!channel&gt; &lt;https://evil.example|click here&gt;`');
    expect(all).toContain('`&lt;script&gt;alert(document.domain)&lt;/script&gt;`');
    expect(all).not.toContain('&amp;amp;');
    expect(all).not.toContain('&amp;lt;');
  });

  it('keeps a server with hundreds of failing hostile tools within the block count and text budget', () => {
    const tools = Array.from({ length: 300 }, (_, i) => `${HOSTILE[i % HOSTILE.length]?.[1]}#${i}`);
    const message = slack({ server: HOSTILE_NAMES.clearScreen, tools });
    expect(slackLimitProblems(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    // One breach section per tool: the ones shown plus the ones counted make them all.
    const shown = message.blocks.filter(
      (block) => block.type === 'section' && block.text.text.startsWith(':red_circle:'),
    ).length;
    const counted = message.blocks
      .map((block) =>
        block.type === 'section' ? /^_(\d+) more alert/.exec(block.text.text)?.[1] : undefined,
      )
      .find((count) => count !== undefined);
    expect(shown).toBeGreaterThan(0);
    expect(shown + Number(counted)).toBe(300);
    expect(message.text).toMatch(/\n…and \d+ more$/);
  });

  it('stays within every limit with any names and any inventory text', () => {
    const text = fc.string({ unit: 'binary', maxLength: 5000 });
    const responder = fc.record({
      team: text,
      killSwitchOwner: text,
      fallbackMode: text,
      maxBlastRadius: text,
      recoveryChecklist: fc.array(text, { maxLength: 40 }),
    });
    fc.assert(
      fc.property(
        text,
        fc.array(text, { minLength: 1, maxLength: 60 }),
        responder,
        (server, tools, fields) => {
          const message = slack({
            server,
            tools,
            responder: {
              ...OWNED_RESPONDER,
              owner: { team: fields.team, email: null, slackChannel: null },
              killSwitchOwner: fields.killSwitchOwner,
              fallbackMode: fields.fallbackMode,
              maxBlastRadius: fields.maxBlastRadius,
              recoveryChecklist: fields.recoveryChecklist,
            },
          });
          expect(slackLimitProblems(message)).toEqual([]);
          for (const shown of slackTexts(message)) expect(unsafeCharacters(shown, ['\n'])).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('email with hostile names', () => {
  const benign = email({ server: 'x', tools: ['x'] });

  it.each(HOSTILE)('%s as the server and tool name: no line added, nothing in a header', (_, name) => {
    const message = email({ server: name, tools: [name] });
    const lines = message.text.split('\n');
    expect(lines).toHaveLength(benign.text.split('\n').length);
    expect(lines.filter((line) => line.startsWith('Recovery checklist:'))).toEqual(['Recovery checklist:']);
    expect(lines.filter((line) => /^\s*\d+\. /.test(line))).toEqual([
      '  1. Route to the fallback',
      '  2. Check the payment provider status',
    ]);
    expect(unsafeCharacters(message.text, ['\n'])).toEqual([]);
    expect(message.text).toContain(`server "${displayText(name)}"`);
    expect(message.text).toContain(`tool "${displayText(name)}"`);

    expect(unsafeCharacters(message.html, ['\n'])).toEqual([]);
    expect(message.html).not.toMatch(/<script|<!channel/i);
    expect(message.html).toContain(`server <code>${inHtml(name)}</code>`);
    expect(message.html).toContain(`tool <code>${inHtml(name)}</code>`);

    // The headers: printable ASCII, built from Budgetwatch's own text and ids only.
    for (const header of [message.subject, message.messageId]) expect(header).toMatch(/^[ -~]+$/);
    expect(message.messageId).toMatch(/^<inc-[0-9a-f]{16}\.0@bw\.example>$/);
    expect(message.subject).toBe(
      '[Budgetwatch] Budget breached: success-rate on a server with an unusual id',
    );
  });

  it('escapes <script> once in HTML, not twice', () => {
    const message = email({ server: 'a&b', tools: [HOSTILE_NAMES.script] });
    expect(message.html).toContain('<code>a&amp;b</code>');
    expect(message.html).toContain('<code>&lt;script&gt;alert(document.domain)&lt;/script&gt;</code>');
    expect(message.html).not.toContain('&amp;lt;');
  });
});
