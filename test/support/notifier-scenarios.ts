import { randomUUID } from 'node:crypto';
import { KafkaEventPublisher } from '@budgetwatch/evaluator';
import { type BudgetwatchEvent, type ResponderContext, UNREGISTERED } from '@budgetwatch/events';
import { createLogger } from '@budgetwatch/logger';
import {
  EmailSink,
  type LogEntry,
  Notifier,
  RedisNotifierStore,
  RedisSilenceStore,
  SlackSink,
} from '@budgetwatch/notifier';
import {
  budgetTransitionEvents,
  freeLoopbackPort,
  OWNED_RESPONDER,
  type RedisNamespace,
  waitFor,
} from '@budgetwatch/testkit';
import { afterAll, beforeAll, expect } from 'vitest';
import { testKafka, type useTopics } from './kafka.js';
import { type SlackCall, SlackStandIn } from './slack-stand-in.js';
import { type ReceivedMail, SmtpStandIn } from './smtp-stand-in.js';

/** One notifier on its own events topic and key prefix, a publisher, and what reached its team. */
export interface NotifierScenario {
  notifier: Notifier;
  groupId: string;
  store: RedisNotifierStore;
  prefix: string;
  eventsTopic: string;
  /** Where the notifier puts event records it cannot read. */
  deadLetterTopic: string;
  responder: ResponderContext;
  /** Its server, `<label>-mcp`, owned by the team `<label>` (`#<label>`, `<label>@example.com`). */
  server: string;
  publish(transition: Parameters<typeof budgetTransitionEvents>[0]): Promise<void>;
  /** Publishes events as they are, as an evaluator would. */
  publishEvents(events: BudgetwatchEvent[]): Promise<void>;
  posts(): SlackCall[];
  updates(): SlackCall[];
  mails(): ReceivedMail[];
}

/**
 * Notifiers on the run's broker with their state in `namespace`'s Redis, sending to a Slack Web
 * API stand-in and an SMTP server of the suite's own; everything is stopped after the suite.
 */
export async function useNotifierScenarios(topics: ReturnType<typeof useTopics>, namespace: RedisNamespace) {
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
  ): Promise<NotifierScenario> {
    const eventsTopic = await topics.create(`${label}-events`, { partitions: 2 });
    const server = `${label}-mcp`;
    const responder = team(label);
    const prefix = `${namespace.prefix}${label}:`;
    const store = new RedisNotifierStore(namespace.client, prefix);
    const groupId = `bwtest-notifier-${randomUUID()}`;
    const deadLetterTopic = await topics.create(`${label}-dlq`);
    const notifier = new Notifier({
      kafka: testKafka('notifier'),
      eventsTopic,
      deadLetterTopic,
      groupId,
      commitIntervalMs: options.commitIntervalMs ?? 500,
      dispatchPollMs: 100,
      // Stopping waits for the fetch in flight.
      fetchMaxWaitMs: 100,
      store,
      silences: new RedisSilenceStore(namespace.client, prefix),
      slack: new SlackSink({ token: 'xoxb-test-token', apiUrl: slack.apiUrl, logger }),
      email: new EmailSink({ smtpUrl: smtp.url, from: 'budgetwatch@example.com' }),
      planner: {
        repeatIntervalMs: options.repeatIntervalMs ?? 3_600_000,
        routing: { default: { slackChannel: '#budgetwatch', emails: ['sre@example.com'] }, tiers: {} },
        // The inventory lists the scenario's own server, owned by its team.
        responderOf: (id) => (id === server ? responder : UNREGISTERED),
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
    return {
      notifier,
      groupId,
      store,
      prefix,
      eventsTopic,
      deadLetterTopic,
      responder,
      server,
      publish: (transition: Parameters<typeof budgetTransitionEvents>[0]) =>
        publisher.publish(budgetTransitionEvents({ server, responder, ...transition })),
      publishEvents: (events) => publisher.publish(events),
      posts: () => slack.posts(`#${label}`),
      updates: () => slack.updates().filter((call) => call.channel === `#${label}`),
      mails: () => smtp.received.filter((mail) => mail.to.includes(`${label}@example.com`)),
    };
  }

  /** Waits until nothing is due and nothing is pending for the scenario's servers. */
  async function settled(s: NotifierScenario): Promise<void> {
    await waitFor(
      async () => {
        const due = await namespace.client.zrangebyscore(`${s.prefix}n:due`, '-inf', Date.now() + 1000);
        return due.length === 0;
      },
      { description: 'the notifier to have nothing left to send', timeoutMs: 30_000 },
    );
  }

  /** The log of an event once every channel is finished with it (sent, failed or silenced). */
  async function finishedLog(s: NotifierScenario, eventId: string): Promise<Record<string, LogEntry>> {
    await waitFor(() => s.store.isDone(eventId), {
      description: `every channel to finish with ${eventId}`,
      timeoutMs: 30_000,
    });
    return s.store.log(eventId);
  }

  /** An event delivered again (a producer retry, a replay) is recognised in the log and not sent again. */
  async function expectRedeliveriesNotSentAgain(s: NotifierScenario): Promise<void> {
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
  }

  return { slack, smtp, scenario, settled, finishedLog, expectRedeliveriesNotSentAgain };
}
