import { operatorEvent } from '@budgetwatch/events';
import { RedisSilenceStore } from '@budgetwatch/notifier';
import { crsGateTransitionEvent, unregisteredServerAnnouncement, waitFor } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { useTopics } from '../support/kafka.js';
import { type NotifierScenario, useNotifierScenarios } from '../support/notifier-scenarios.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('notifier-notices');
const { slack, smtp, scenario, settled, finishedLog } = await useNotifierScenarios(topics, namespace);

/** The rollout events of a scenario: an unregistered server beside it, and its own CRS gate. */
function rolloutEvents(s: NotifierScenario) {
  return {
    shadowServer: `${s.server.replace(/-mcp$/, '')}-shadow-mcp`,
    unregistered: unregisteredServerAnnouncement({
      server: `${s.server.replace(/-mcp$/, '')}-shadow-mcp`,
      tools: ['exec', 'read'],
    }),
    halted: crsGateTransitionEvent({ server: s.server, transition: 'breached', number: 1 }),
    resumed: crsGateTransitionEvent({ server: s.server, transition: 'recovered', number: 2 }),
  };
}

/** What reached the default route (Slack #budgetwatch, sre@example.com) about one server. */
function defaultRouteAbout(server: string) {
  return {
    posts: () => slack.posts('#budgetwatch').filter((post) => post.text.includes(`\`${server}\``)),
    mails: () =>
      smtp.received.filter(
        (mail) => mail.to.includes('sre@example.com') && mail.subject.endsWith(`: ${server}`),
      ),
  };
}

describe('notifier: rollout notices on the real broker, Redis, an SMTP server and the Slack stand-in', () => {
  it('an unregistered server, an expansion halt and its resumption are each told once, on Slack and by email', async () => {
    const s = await scenario('rollout');
    const { shadowServer, unregistered, halted, resumed } = rolloutEvents(s);
    const shadow = defaultRouteAbout(shadowServer);
    await s.publishEvents([unregistered, halted]);
    await waitFor(
      () =>
        shadow.posts().length === 1 &&
        shadow.mails().length === 1 &&
        s.posts().length === 1 &&
        s.mails().length === 1,
      { description: 'both notices on Slack and by email', timeoutMs: 30_000 },
    );
    // The unregistered server to the default route, with its tools; the halt to the owner's.
    expect(shadow.posts()[0]?.blocks).toContain('Tools seen: `exec`, `read`.');
    expect(shadow.mails()[0]?.subject).toBe(`[Budgetwatch] Unregistered MCP server: ${shadowServer}`);
    expect(s.posts()[0]?.text).toBe(
      `Expansion halted: \`${s.server}\`\nExpansion of server \`${s.server}\` is halted: its Control-Plane Risk Score is 62.3, at or above the threshold of 60.`,
    );
    expect(s.mails()[0]?.subject).toBe(`[Budgetwatch] Expansion halted: ${s.server}`);
    expect(s.mails()[0]?.text).toContain('Top reasons: 100% of the success-rate budget used (R +25)');

    // Published again, as after an evaluator crash: recognised in the log, never told twice.
    await s.publishEvents([unregistered, halted]);
    await waitFor(() => s.notifier.metrics.eventsAlreadyNotified >= 2, {
      description: 'the copies read and recognised',
      timeoutMs: 30_000,
    });
    await s.publishEvents([resumed]);
    await waitFor(() => s.posts().length === 2 && s.mails().length === 2, {
      description: 'the resumption',
      timeoutMs: 30_000,
    });
    await settled(s);
    expect(s.posts().map((post) => post.text.split('\n')[0])).toEqual([
      `Expansion halted: \`${s.server}\``,
      `Expansion resumed: \`${s.server}\``,
    ]);
    expect(s.mails()).toHaveLength(2);
    expect(shadow.posts()).toHaveLength(1);
    expect(shadow.mails()).toHaveLength(1);
    for (const event of [unregistered, halted, resumed]) {
      expect(await finishedLog(s, event.id)).toMatchObject({
        slack: { outcome: 'sent' },
        email: { outcome: 'sent' },
      });
    }
  });

  it('a matching silence mutes them on Slack and by email, logged; a resumption still goes out', async () => {
    const s = await scenario('rollout-muted');
    const { shadowServer, unregistered, halted, resumed } = rolloutEvents(s);
    const silences = new RedisSilenceStore(namespace.client, s.prefix);
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const shadowSilence = await silences.create({
      matchers: { server: shadowServer },
      endsAt,
      createdBy: 'alice',
      comment: 'known, being registered',
    });
    const gateSilence = await silences.create({
      matchers: { server: s.server, rule: 'crs-gate' },
      endsAt,
      createdBy: 'alice',
      comment: 'rollout on hold anyway',
    });
    await s.publishEvents([unregistered, halted]);
    expect(await finishedLog(s, unregistered.id)).toMatchObject({
      slack: { outcome: 'silenced', by: shadowSilence.id },
      email: { outcome: 'silenced', by: shadowSilence.id },
    });
    expect(await finishedLog(s, halted.id)).toMatchObject({
      slack: { outcome: 'silenced', by: gateSilence.id },
      email: { outcome: 'silenced', by: gateSilence.id },
    });

    await s.publishEvents([resumed]);
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'the resumption, silenced or not',
      timeoutMs: 30_000,
    });
    await settled(s);
    expect(s.posts()[0]?.text).toMatch(/^Expansion resumed/);
    const shadow = defaultRouteAbout(shadowServer);
    expect(shadow.posts()).toEqual([]);
    expect(shadow.mails()).toEqual([]);
  });

  it("an operator's kill switch goes to the owner with who and why, silenced or not", async () => {
    const s = await scenario('rollout-kill-switch');
    const silences = new RedisSilenceStore(namespace.client, s.prefix);
    await silences.create({
      matchers: { server: s.server },
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: 'alice',
      comment: 'maintenance',
    });
    const engaged = operatorEvent({
      type: 'killswitch.engaged',
      subject: { server: s.server, tool: null },
      actor: 'carol',
      reason: 'credentials leaked',
      responder: { fallbackMode: null, killSwitchOwner: 'carol' },
      stamp: { atMs: Date.now(), nonce: 1 },
    });
    await s.publishEvents([engaged]);
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'the kill switch on Slack and by email',
      timeoutMs: 30_000,
    });
    await settled(s);
    expect(s.posts()[0]?.text).toBe(
      `Kill switch engaged: \`${s.server}\`\nThe kill switch of server \`${s.server}\` was engaged by carol: guards block every call to it.`,
    );
    expect(s.mails()[0]?.subject).toBe(`[Budgetwatch] Kill switch engaged: ${s.server}`);
    expect(s.mails()[0]?.text).toContain('Reason: credentials leaked');
    expect(await finishedLog(s, engaged.id)).toMatchObject({
      slack: { outcome: 'sent' },
      email: { outcome: 'sent' },
    });
  });
});
