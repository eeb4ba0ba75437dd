import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { seriesId } from '@budgetwatch/domain';
import { KafkaEventPublisher } from '@budgetwatch/evaluator';
import { createLogger } from '@budgetwatch/logger';
import { EmailSink, Notifier, RedisNotifierStore, RedisSilenceStore, SlackSink } from '@budgetwatch/notifier';
import { budgetTransitionEvents, freeLoopbackPort, OWNED_RESPONDER, waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { budgetwatchInProcess, spawnBudgetwatch } from '../support/cli.js';
import { testKafka, useTopics, waitForGroupCaughtUp } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { SlackStandIn } from '../support/slack-stand-in.js';
import { SmtpStandIn } from '../support/smtp-stand-in.js';

const topics = useTopics();
const namespace = await useRedisNamespace('notifier-cli');
const slack = new SlackStandIn();
const smtp = new SmtpStandIn(await freeLoopbackPort());
const logger = createLogger({ name: 'test-notifier', level: 'silent' });

beforeAll(async () => {
  await slack.start();
  await smtp.start();
});
afterAll(async () => {
  await slack.stop();
  await smtp.stop();
});

function owner(label: string) {
  return {
    ...OWNED_RESPONDER,
    owner: { team: label, email: `${label}@example.com`, slackChannel: `#${label}` },
  };
}

describe('budgetwatch notifier and budgetwatch silence', () => {
  it('SIGKILLed after sending and before committing, then restarted: no duplicate, and it threads', async () => {
    // One partition: every partition of the topic then has records to commit past.
    const eventsTopic = await topics.create('kill-events', { partitions: 1 });
    const prefix = `${namespace.prefix}kill:`;
    const groupId = `bwtest-notifier-${randomUUID()}`;
    const env = {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: prefix,
      BUDGETWATCH_EVENTS_TOPIC: eventsTopic,
      BUDGETWATCH_DLQ_TOPIC: await topics.create('kill-dlq'),
      BUDGETWATCH_NOTIFIER_GROUP_ID: groupId,
      BUDGETWATCH_NOTIFIER_GROUP_WAIT_MS: '300',
      // The least the setting allows: the restarted notifier's group waits this long for the killed one.
      BUDGETWATCH_NOTIFIER_SESSION_TIMEOUT_MS: '6000',
      // SIGTERM waits for the fetch in flight.
      BUDGETWATCH_NOTIFIER_FETCH_MAX_WAIT_MS: '100',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      BUDGETWATCH_SLACK_API_URL: slack.apiUrl,
      SMTP_URL: smtp.url,
      BUDGETWATCH_EMAIL_FROM: 'budgetwatch@example.com',
    };
    const store = new RedisNotifierStore(namespace.client, prefix);
    const publisher = new KafkaEventPublisher(testKafka('evaluator'), eventsTopic);
    const responder = owner('kill');
    const posts = () => slack.posts('#kill');
    const mails = () => smtp.received.filter((mail) => mail.to.includes('kill@example.com'));

    // Offsets are committed only every 10 minutes: the kill lands before any commit.
    const first = spawnBudgetwatch(['notifier'], {
      ...env,
      BUDGETWATCH_NOTIFIER_COMMIT_INTERVAL_MS: '600000',
    });
    const breach = budgetTransitionEvents({
      server: 'kill-mcp',
      transition: 'breached',
      number: 1,
      responder,
    });
    await publisher.publish(breach);
    // Sent, logged, and the dispatch over: a kill inside the dispatch would leave its server's lock
    // for its TTL, which is not what this test is about.
    const serverLock = store.keys.lock(seriesId({ server: 'kill-mcp', tool: null, drill: false }));
    await waitFor(
      async () =>
        ((await store.isDone(breach[0]?.id ?? '')) && (await namespace.client.exists(serverLock)) === 0) ||
        undefined,
      { description: 'the breach to be sent and logged, and its dispatch over', timeoutMs: 60_000 },
    );
    first.kill('SIGKILL');
    await once(first, 'exit');
    expect(posts()).toHaveLength(1);
    expect(mails()).toHaveLength(1);
    const admin = testKafka('admin').admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [eventsTopic] });
    expect(committed?.partitions.map((partition) => partition.offset)).toEqual(['-1']);

    const second = spawnBudgetwatch(['notifier'], { ...env, BUDGETWATCH_NOTIFIER_COMMIT_INTERVAL_MS: '200' });
    try {
      // Every record read again (and committed this time, once the killed member's session has
      // expired); none sent again.
      await waitForGroupCaughtUp(admin, groupId, eventsTopic, 90_000);
      expect(posts()).toHaveLength(1);
      expect(mails()).toHaveLength(1);

      // The restarted notifier finds the thread it did not start.
      await publisher.publish(
        budgetTransitionEvents({ server: 'kill-mcp', transition: 'recovered', number: 2, responder }),
      );
      await waitFor(
        () =>
          slack.updates().some((call) => call.channel === '#kill') &&
          posts().length === 2 &&
          mails().length === 2,
        {
          description: 'the resolution from the restarted notifier',
          timeoutMs: 30_000,
        },
      );
      expect(slack.updates().find((call) => call.channel === '#kill')?.ts).toBe(posts()[0]?.ts);
      expect(posts()[1]?.threadTs).toBe(posts()[0]?.ts);
      expect(mails()[1]?.inReplyTo).toBe(mails()[0]?.messageId);
    } finally {
      second.kill('SIGTERM');
      const [code] = (await once(second, 'exit')) as [number | null];
      expect(code).toBe(0);
      await admin.disconnect();
      await publisher.close();
    }
  }, 180_000);

  it('a silence from the CLI mutes a firing alert, its resolution still goes out, and after expiry alerts flow', async () => {
    const eventsTopic = await topics.create('silence-events', { partitions: 2 });
    const prefix = `${namespace.prefix}silence:`;
    const notifier = new Notifier({
      kafka: testKafka('notifier'),
      eventsTopic,
      deadLetterTopic: await topics.create('silence-dlq'),
      groupId: `bwtest-notifier-${randomUUID()}`,
      commitIntervalMs: 500,
      dispatchPollMs: 100,
      fetchMaxWaitMs: 100,
      store: new RedisNotifierStore(namespace.client, prefix),
      silences: new RedisSilenceStore(namespace.client, prefix),
      slack: new SlackSink({ token: 'xoxb-test-token', apiUrl: slack.apiUrl, logger }),
      email: new EmailSink({ smtpUrl: smtp.url, from: 'budgetwatch@example.com' }),
      planner: { repeatIntervalMs: 500, routing: { default: {}, tiers: {} } },
      groupWaitMs: 300,
      dashboardUrl: null,
      messageIdDomain: 'bw.test',
      logger,
    });
    await notifier.start();
    const publisher = new KafkaEventPublisher(testKafka('evaluator'), eventsTopic);
    const responder = owner('silenced');
    const publish = (transition: 'breached' | 'recovered', number: number) =>
      publisher.publish(budgetTransitionEvents({ server: 'silenced-mcp', transition, number, responder }));
    const posts = () => slack.posts('#silenced');
    const cliEnv = { REDIS_URL: inject('testBed').redisUrl, REDIS_KEY_PREFIX: prefix };
    try {
      await publish('breached', 1);
      // Firing: the message, then a repeat in its thread.
      await waitFor(() => posts().length >= 2, {
        description: 'the alert and one repeat',
        timeoutMs: 30_000,
      });

      const created = await budgetwatchInProcess(
        [
          'silence',
          'create',
          '--server',
          'silenced-mcp',
          '--duration',
          '1h',
          '--author',
          'alice',
          '--comment',
          'provider maintenance',
          '--json',
        ],
        cliEnv,
      );
      expect(created.code, created.output).toBe(0);
      const silence = JSON.parse(created.output) as { id: string; matchers: { server: string } };
      expect(silence.matchers).toEqual({ server: 'silenced-mcp' });
      const mutedBefore = notifier.metrics.notificationsMuted;
      const postsAtSilence = posts().length;
      await waitFor(() => notifier.metrics.notificationsMuted >= mutedBefore + 2, {
        description: 'two repeats muted',
        timeoutMs: 30_000,
      });
      // At most one repeat was already on its way when the silence was created.
      expect(posts().length).toBeLessThanOrEqual(postsAtSilence + 1);
      const postsWhileSilenced = posts().length;

      const listed = await budgetwatchInProcess(['silence', 'list'], cliEnv);
      expect(listed.output).toContain(`${silence.id}  active`);
      expect(listed.output).toContain('server="silenced-mcp"');

      await publish('recovered', 2);
      await waitFor(() => slack.updates().some((call) => call.channel === '#silenced'), {
        description: 'the resolution despite the silence',
        timeoutMs: 30_000,
      });
      await waitFor(() => posts().length === postsWhileSilenced + 1, {
        description: 'the resolved reply',
        timeoutMs: 30_000,
      });
      expect(posts().at(-1)?.text).toContain('Resolved');

      const expired = await budgetwatchInProcess(['silence', 'expire', silence.id], cliEnv);
      expect(expired.code, expired.output).toBe(0);
      await publish('breached', 3);
      await waitFor(() => posts().length >= postsWhileSilenced + 3, {
        description: 'a new alert and its repeat after the silence expired',
        timeoutMs: 30_000,
      });
      expect(posts()[postsWhileSilenced + 1]?.threadTs).toBeNull();
    } finally {
      await notifier.stop();
      await publisher.close();
    }
  }, 120_000);

  it.each([
    [['silence', 'create', '--duration', '1h', '--author', 'a', '--comment', 'c'], 2, 'at least one matcher'],
    [['silence', 'create', '--server', 's', '--author', 'a', '--comment', 'c'], 2, '--duration'],
    [['silence', 'expire', 'sil-nope'], 1, 'no silence sil-nope'],
  ])('budgetwatch %j fails with exit code %i and says why', async (args, code, message) => {
    const result = await budgetwatchInProcess(args, {
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: `${namespace.prefix}errors:`,
    });
    expect(result.code).toBe(code);
    expect(result.output).toContain(message);
  });
});
