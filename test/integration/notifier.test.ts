import { randomUUID } from 'node:crypto';
import { KafkaEventPublisher } from '@budgetwatch/evaluator';
import type { ResponderContext } from '@budgetwatch/events';
import { createLogger } from '@budgetwatch/logger';
import { EmailSink, Notifier, RedisNotifierStore, RedisSilenceStore, SlackSink } from '@budgetwatch/notifier';
import {
  budgetTransitionEvents,
  freeLoopbackPort,
  OWNED_RESPONDER,
  type RedisNamespace,
  waitFor,
} from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKafka, useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { SlackStandIn } from '../support/slack-stand-in.js';
import { SmtpStandIn } from '../support/smtp-stand-in.js';

const topics = useTopics();
const namespace = await useRedisNamespace('notifier');
const slack = new SlackStandIn();
const smtp = new SmtpStandIn(await freeLoopbackPort());
const logger = createLogger({ name: 'test-notifier', level: 'silent' });
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await slack.start();
  await smtp.start();
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await slack.stop();
  await smtp.stop();
});

/** A team of its own per scenario, so each one reads only its own messages. */
function team(label: string): ResponderContext {
  return {
    ...OWNED_RESPONDER,
    owner: { team: label, email: `${label}@example.com`, slackChannel: `#${label}` },
  };
}

/** A notifier on its own events topic and Redis prefix, and a publisher like the evaluator's. */
async function scenario(
  label: string,
  options: { repeatIntervalMs?: number; commitIntervalMs?: number } = {},
) {
  const eventsTopic = await topics.create(`${label}-events`, { partitions: 2 });
  const prefix = `${namespace.prefix}${label}:`;
  const store = new RedisNotifierStore(namespace.client, prefix);
  const groupId = `bwtest-notifier-${randomUUID()}`;
  const notifier = new Notifier({
    kafka: testKafka('notifier'),
    eventsTopic,
    deadLetterTopic: await topics.create(`${label}-dlq`),
    groupId,
    commitIntervalMs: options.commitIntervalMs ?? 500,
    dispatchPollMs: 100,
    store,
    silences: new RedisSilenceStore(namespace.client, prefix),
    slack: new SlackSink({ token: 'xoxb-test-token', apiUrl: slack.apiUrl, logger }),
    email: new EmailSink({ smtpUrl: smtp.url, from: 'budgetwatch@example.com' }),
    planner: {
      repeatIntervalMs: options.repeatIntervalMs ?? 3_600_000,
      routing: { default: { slackChannel: '#budgetwatch', emails: ['sre@example.com'] }, tiers: {} },
    },
    groupWaitMs: 500,
    dashboardUrl: 'http://budgetwatch.example/',
    messageIdDomain: 'bw.test',
    logger,
  });
  await notifier.start();
  const publisher = new KafkaEventPublisher(testKafka('evaluator'), eventsTopic);
  stops.push(async () => {
    await notifier.stop();
    await publisher.close();
  });
  const responder = team(label);
  return {
    notifier,
    groupId,
    store,
    prefix,
    eventsTopic,
    responder,
    publish: (transition: Parameters<typeof budgetTransitionEvents>[0]) =>
      publisher.publish(budgetTransitionEvents({ server: `${label}-mcp`, responder, ...transition })),
    posts: () => slack.posts(`#${label}`),
    updates: () => slack.updates().filter((call) => call.channel === `#${label}`),
    mails: () => smtp.received.filter((mail) => mail.to.includes(`${label}@example.com`)),
  };
}

type Scenario = Awaited<ReturnType<typeof scenario>>;

/** Waits until nothing is due and nothing is pending for the scenario's servers. */
async function settled(s: Scenario, ns: RedisNamespace = namespace): Promise<void> {
  await waitFor(
    async () => {
      const due = await ns.client.zrangebyscore(`${s.prefix}n:due`, '-inf', Date.now() + 1000);
      return due.length === 0;
    },
    { description: 'the notifier to have nothing left to send', timeoutMs: 30_000 },
  );
}

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

  it('Slack 429 and 500s and a 10 s SMTP outage delay notifications; each arrives exactly once', async () => {
    const s = await scenario('outage');
    slack.failNext({ status: 429, retryAfterS: 1 }, { status: 500 }, { status: 500 });
    const requestsBefore = slack.requests;
    await smtp.stop();
    const smtpDownAt = Date.now();
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.posts().length === 1, { description: 'the Slack message', timeoutMs: 30_000 });
    expect(slack.requests - requestsBefore).toBeGreaterThanOrEqual(4);
    await waitFor(() => s.notifier.metrics.notificationsFailed.email >= 1, {
      description: 'an email attempt to fail while SMTP is down',
      timeoutMs: 30_000,
    });
    await waitFor(() => Date.now() - smtpDownAt >= 10_000, {
      description: '10 s of SMTP outage',
      timeoutMs: 15_000,
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
    const s = await scenario('redeliver');
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'the notifications',
      timeoutMs: 30_000,
    });
    await settled(s);
    // The same events again (a producer retry, a replay): nothing new is sent.
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.notifier.metrics.eventsAlreadyNotified >= 2, {
      description: 'the redelivered events to be read and recognised',
      timeoutMs: 10_000,
    });
    await settled(s);
    expect(s.posts()).toHaveLength(1);
    expect(s.mails()).toHaveLength(1);
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
