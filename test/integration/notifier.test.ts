import { waitFor } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { testKafka, useTopics } from '../support/kafka.js';
import { useNotifierScenarios } from '../support/notifier-scenarios.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('notifier');
const { slack, smtp, scenario, settled, expectRedeliveriesNotSentAgain } = await useNotifierScenarios(
  topics,
  namespace,
);

describe('notifier on the real broker, Redis, an SMTP server and a Slack Web API stand-in', () => {
  it('a freeze becomes one Slack message and one email to the owner; recovery edits, replies and threads', async () => {
    const s = await scenario('freeze');
    // The tool and its server rollup breach together: one message for both.
    await s.publish({ transition: 'breached', number: 1 });
    await s.publish({ transition: 'breached', number: 1, tool: null });
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'one Slack message and one email',
      timeoutMs: 30_000,
    });
    const [post] = s.posts();
    const [mail] = s.mails();
    // Rule, value, threshold and window, the action and the checklist; `<` is escaped in
    // Slack mrkdwn and HTML.
    for (const [text, lessThan] of [
      [post?.blocks ?? '', '&lt;'],
      [mail?.text ?? '', '<'],
      [mail?.html ?? '', '&lt;'],
    ] as const) {
      expect(text).toContain('success-rate');
      expect(text).toContain(`success rate 90.91%, threshold ${lessThan} 97% over 24h`);
      expect(text).toContain('Check the payment provider status');
      expect(text).toContain('traffic.frozen');
    }
    expect(post?.threadTs).toBeNull();
    expect(mail?.subject).toBe('[Budgetwatch] Budget breached: success-rate on freeze-mcp');

    await s.publish({ transition: 'recovered', number: 2 });
    await s.publish({ transition: 'recovered', number: 2, tool: null });
    await waitFor(() => s.updates().length === 1 && s.posts().length === 2 && s.mails().length === 2, {
      description: 'the resolution: an edit, a thread reply and an email in the thread',
      timeoutMs: 30_000,
    });
    await settled(s);
    const [edit] = s.updates();
    const reply = s.posts()[1];
    const resolveMail = s.mails()[1];
    expect(edit?.ts).toBe(post?.ts);
    expect(edit?.text).toContain('Resolved');
    expect(reply?.threadTs).toBe(post?.ts);
    expect(reply?.text).toContain('traffic.unfrozen');
    expect(resolveMail?.inReplyTo).toBe(mail?.messageId);
    expect(resolveMail?.references).toContain(mail?.messageId);
    expect(resolveMail?.subject).toContain('Resolved');
    expect(s.posts()).toHaveLength(2);
    expect(s.mails()).toHaveLength(2);
  });

  it('an event record it cannot read goes to the dead-letter topic, and the events after it are told', async () => {
    const s = await scenario('unreadable');
    const producer = testKafka('not-an-evaluator').producer();
    await producer.connect();
    try {
      await producer.send({
        topic: s.eventsTopic,
        messages: [{ key: s.server, value: '{"not": "an event"' }],
      });
    } finally {
      await producer.disconnect();
    }
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'the breach after the unreadable record',
      timeoutMs: 30_000,
    });
    const admin = testKafka('dlq-reader').admin();
    await admin.connect();
    try {
      const offsets = await waitFor(
        async () => {
          const partitions = await admin.fetchTopicOffsets(s.deadLetterTopic);
          const written = partitions.reduce((sum, partition) => sum + Number(partition.high), 0);
          return written >= 1 ? written : undefined;
        },
        { description: 'the dead letter', timeoutMs: 30_000 },
      );
      expect(offsets).toBe(1);
    } finally {
      await admin.disconnect();
    }
    expect(s.notifier.metrics.deadLetters).toBe(1);
  });

  it('Slack 429 and 500s and an SMTP outage over two attempts delay notifications; each arrives exactly once', async () => {
    const s = await scenario('outage');
    slack.failNext({ status: 429, retryAfterS: 1 }, { status: 500 }, { status: 500 });
    const requestsBefore = slack.requests;
    await smtp.stop();
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.posts().length === 1, { description: 'the Slack message', timeoutMs: 30_000 });
    expect(slack.requests - requestsBefore).toBeGreaterThanOrEqual(4);
    // The outage outlasts a retry: the email fails, is kept, is tried again and fails again.
    await waitFor(() => s.notifier.metrics.notificationsFailed.email >= 2, {
      description: 'two email attempts to fail while SMTP is down',
      timeoutMs: 30_000,
    });
    await smtp.start();
    await waitFor(() => s.mails().length === 1, { description: 'the delayed email', timeoutMs: 60_000 });

    await s.publish({ transition: 'recovered', number: 2 });
    await waitFor(() => s.mails().length === 2 && s.updates().length === 1, {
      description: 'the resolution',
      timeoutMs: 30_000,
    });
    await settled(s);
    expect(s.posts()).toHaveLength(2);
    expect(s.updates()).toHaveLength(1);
    expect(new Set(s.mails().map((mail) => mail.messageId)).size).toBe(2);
  }, 120_000);

  it('renders a hostile tool name inert in Slack and email', async () => {
    const s = await scenario('inject');
    const evil = '<!channel> <https://evil.example|click>';
    await s.publish({ transition: 'breached', number: 1, tool: evil });
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'the notifications',
      timeoutMs: 30_000,
    });
    const [post] = s.posts();
    const [mail] = s.mails();
    for (const sent of [post?.raw ?? '', post?.text ?? '', post?.blocks ?? '']) {
      const decoded = sent.includes('%3C') ? decodeURIComponent(sent.replace(/\+/g, ' ')) : sent;
      expect(decoded).not.toContain('<!channel>');
      expect(decoded).not.toContain('<https://evil.example');
    }
    expect(post?.blocks).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(mail?.headerBlock).not.toContain('evil.example');
    expect(mail?.headerBlock).not.toContain('channel');
    expect(mail?.html).not.toContain('<!channel>');
    expect(mail?.html).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(mail?.text).toContain(evil);
  });

  it('redelivered events and a restart never send twice, and the restarted notifier threads', async () => {
    await expectRedeliveriesNotSentAgain(await scenario('redeliver'));
  });

  it('commits what it has read when it stops (SIGTERM), so a restart re-reads nothing', async () => {
    const s = await scenario('shutdown', { commitIntervalMs: 600_000 });
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.notifier.metrics.eventsQueued >= 2, {
      description: 'the events read',
      timeoutMs: 30_000,
    });
    await s.notifier.stop();
    const admin = testKafka('admin').admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(s.eventsTopic);
      const [committed] = await admin.fetchOffsets({ groupId: s.groupId, topics: [s.eventsTopic] });
      for (const end of ends.filter((partition) => partition.high !== '0')) {
        expect(committed?.partitions.find((partition) => partition.partition === end.partition)?.offset).toBe(
          end.high,
        );
      }
    } finally {
      await admin.disconnect();
    }
  });
});
