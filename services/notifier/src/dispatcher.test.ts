import type { EmailMessage, SlackMessage } from '@budgetwatch/alerting';
import type { BudgetwatchEvent, ResponderContext } from '@budgetwatch/events';
import { createLogger } from '@budgetwatch/logger';
import {
  crsGateTransitionEvent,
  paymentsOnlyInventory,
  budgetTransitionEvents as transition,
  unregisteredServerAnnouncement,
} from '@budgetwatch/testkit';
import { beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from './dispatcher.js';
import { EventIntake } from './event-intake.js';
import { InMemoryNotifierStore } from './memory/in-memory-notifier-store.js';
import { InMemorySilenceStore } from './memory/in-memory-silence-store.js';
import { DeliveryError, type DeliveryFailure } from './sinks/delivery-error.js';
import type { EmailSender } from './sinks/email-sink.js';
import type { SlackMessageRef, SlackPoster } from './sinks/slack-sink.js';

const T0 = Date.UTC(2026, 10, 25, 12);
const GROUP_WAIT_MS = 10_000;
const REPEAT_INTERVAL_MS = 4 * 3_600_000;
const OWNER_CHANNEL = '#payments-oncall';

const failure = (reason: string, retriable: boolean, contentRejected = false): DeliveryFailure => ({
  reason,
  retriable,
  contentRejected,
});

/** Slack as the dispatcher sees it: records what it is asked, refuses what it is told to. */
class RecordingSlack implements SlackPoster {
  readonly posts: { channel: string; threadTs: string | null; message: SlackMessage }[] = [];
  readonly updates: { ref: SlackMessageRef; message: SlackMessage }[] = [];
  attempts = 0;
  private readonly refusals: DeliveryFailure[] = [];

  refuseNext(...refusals: DeliveryFailure[]): void {
    this.refusals.push(...refusals);
  }

  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<SlackMessageRef> {
    this.refuseIfTold();
    this.posts.push({ channel, threadTs: threadTs ?? null, message });
    return { channel, ts: `1764000000.${String(this.posts.length).padStart(6, '0')}` };
  }

  async update(ref: SlackMessageRef, message: SlackMessage): Promise<void> {
    this.refuseIfTold();
    this.updates.push({ ref, message });
  }

  private refuseIfTold(): void {
    this.attempts += 1;
    const refusal = this.refusals.shift();
    if (refusal !== undefined) throw new DeliveryError(refusal);
  }
}

/** Email as the dispatcher sees it. */
class RecordingEmail implements EmailSender {
  readonly sent: { to: readonly string[]; message: EmailMessage }[] = [];
  attempts = 0;
  private readonly refusals: DeliveryFailure[] = [];

  refuseNext(...refusals: DeliveryFailure[]): void {
    this.refusals.push(...refusals);
  }

  async send(to: readonly string[], message: EmailMessage): Promise<void> {
    this.attempts += 1;
    const refusal = this.refusals.shift();
    if (refusal !== undefined) throw new DeliveryError(refusal);
    this.sent.push({ to, message });
  }

  close(): void {}
}

/** A dispatcher on the in-memory stores, a fake clock and recording sinks; events go in as the intake takes them. */
function notifierOnFakeClock(
  options: { email?: boolean; responderOf?: (server: string) => ResponderContext } = {},
) {
  let now = T0;
  const clock = () => now;
  const store = new InMemoryNotifierStore(clock);
  const silences = new InMemorySilenceStore(clock);
  const slack = new RecordingSlack();
  const email = new RecordingEmail();
  const logger = createLogger({ name: 'dispatcher-test', level: 'silent' });
  const dispatcher = new Dispatcher({
    store,
    silences,
    slack,
    email: options.email === false ? null : email,
    planner: {
      repeatIntervalMs: REPEAT_INTERVAL_MS,
      routing: { default: { slackChannel: '#budgetwatch', emails: ['sre@example.com'] }, tiers: {} },
      ...(options.responderOf === undefined ? {} : { responderOf: options.responderOf }),
    },
    groupWaitMs: GROUP_WAIT_MS,
    dashboardUrl: 'https://budgetwatch.example/',
    messageIdDomain: 'bw.test',
    logger,
    now: clock,
  });
  const intake = new EventIntake({
    store,
    deadLetters: null,
    groupWaitMs: GROUP_WAIT_MS,
    metrics: dispatcher.metrics,
    logger,
    now: clock,
  });
  let offset = 0;
  return {
    store,
    silences,
    slack,
    email,
    dispatcher,
    advance(ms: number) {
      now += ms;
    },
    async take(events: readonly BudgetwatchEvent[]) {
      for (const event of events) await intake.takeEvent(event, 0, String(offset++));
    },
    /** Dispatches what is due now; returns how many servers were. */
    dispatchDue: () => dispatcher.dispatchDue(),
  };
}

type FakeNotifier = ReturnType<typeof notifierOnFakeClock>;

/** Takes the events in and lets the group wait pass, dispatching once. */
async function takeAndDispatch(n: FakeNotifier, events: readonly BudgetwatchEvent[]): Promise<void> {
  await n.take(events);
  n.advance(GROUP_WAIT_MS);
  expect(await n.dispatchDue()).toBe(1);
}

/** payments-mcp's success-rate breach (and its action), taken in and dispatched; its events. */
async function breachDispatched(n: FakeNotifier, tool?: string): Promise<BudgetwatchEvent[]> {
  const breach = transition({ transition: 'breached', number: 1, ...(tool === undefined ? {} : { tool }) });
  await takeAndDispatch(n, breach);
  return breach;
}

describe('Dispatcher on the in-memory stores and a fake clock', () => {
  let n: FakeNotifier;
  beforeEach(() => {
    n = notifierOnFakeClock();
  });

  it("groups one server's events within the group wait into one message per channel", async () => {
    const events = [
      ...transition({ transition: 'breached', number: 1 }),
      ...transition({ transition: 'breached', number: 1, tool: null }),
    ];
    await n.take(events);
    n.advance(GROUP_WAIT_MS - 1);
    expect(await n.dispatchDue()).toBe(0);
    n.advance(1);
    expect(await n.dispatchDue()).toBe(1);

    expect(n.slack.posts.map((post) => [post.channel, post.threadTs])).toEqual([[OWNER_CHANNEL, null]]);
    expect(n.email.sent.map((mail) => mail.to)).toEqual([['payments@example.com']]);
    expect(n.email.sent[0]?.message.subject).toBe(
      '[Budgetwatch] Budget breached: success-rate on payments-mcp',
    );
    for (const event of events) {
      expect(await n.store.isDone(event.id)).toBe(true);
      expect(Object.values(await n.store.log(event.id)).map((entry) => entry.outcome)).toEqual([
        'sent',
        'sent',
      ]);
    }
  });

  it('repeats a still-firing incident in its threads after the interval, and not before', async () => {
    await breachDispatched(n);
    n.advance(REPEAT_INTERVAL_MS - 1);
    expect(await n.dispatchDue()).toBe(0);
    n.advance(1);
    expect(await n.dispatchDue()).toBe(1);

    const [first, repeat] = n.slack.posts;
    expect(repeat?.threadTs).toBe(`1764000000.000001`);
    expect(repeat?.message.text).toMatch(/^Still firing/);
    expect(first?.threadTs).toBeNull();
    const [firstMail, repeatMail] = n.email.sent;
    expect(repeatMail?.message.inReplyTo).toBe(firstMail?.message.messageId);
  });

  it('a silence mutes a breach and its repeats (logged), but never its resolution', async () => {
    const silence = await n.silences.create({
      matchers: { server: 'payments-mcp' },
      endsAt: new Date(T0 + 2 * REPEAT_INTERVAL_MS).toISOString(),
      createdBy: 'alice',
      comment: 'maintenance',
    });
    const breach = await breachDispatched(n);
    n.advance(REPEAT_INTERVAL_MS);
    expect(await n.dispatchDue()).toBe(1);
    expect(n.slack.attempts + n.email.attempts).toBe(0);
    expect(n.dispatcher.metrics.notificationsMuted).toBe(3);
    expect(await n.store.log(breach[0]?.id ?? '')).toEqual({
      slack: { outcome: 'silenced', by: silence.id, at: new Date(T0 + GROUP_WAIT_MS).toISOString() },
      email: { outcome: 'silenced', by: silence.id, at: new Date(T0 + GROUP_WAIT_MS).toISOString() },
    });

    await takeAndDispatch(n, transition({ transition: 'recovered', number: 2 }));
    expect(n.slack.posts.map((post) => post.message.text.split('\n')[0])).toEqual([
      'Resolved: `payments-mcp`',
    ]);
    expect(n.email.sent).toHaveLength(1);
  });

  it('a retriable Slack failure holds back neither the email nor anything but Slack, which is retried with backoff', async () => {
    n.slack.refuseNext(failure('http_503', true), failure('network', true));
    const [breach] = await breachDispatched(n);
    expect(n.email.sent).toHaveLength(1);
    expect(n.slack.posts).toHaveLength(0);
    expect(await n.store.log(breach?.id ?? '')).toEqual({
      email: expect.objectContaining({ outcome: 'sent' }),
    });
    expect(await n.store.isDone(breach?.id ?? '')).toBe(false);

    // 1 s, then 2 s: the second attempt fails too.
    n.advance(999);
    expect(await n.dispatchDue()).toBe(0);
    n.advance(1);
    expect(await n.dispatchDue()).toBe(1);
    n.advance(1999);
    expect(await n.dispatchDue()).toBe(0);
    n.advance(1);
    expect(await n.dispatchDue()).toBe(1);

    expect(n.slack.posts).toHaveLength(1);
    expect(n.slack.attempts).toBe(3);
    expect(n.email.attempts).toBe(1);
    expect(n.dispatcher.metrics.notificationsFailed).toEqual({ slack: 2, email: 0 });
    expect(await n.store.log(breach?.id ?? '')).toMatchObject({
      slack: { outcome: 'sent' },
      email: { outcome: 'sent' },
    });
    expect(await n.store.isDone(breach?.id ?? '')).toBe(true);
  });

  it('a permanent Slack failure is logged with its reason and not retried; the email goes, and the next breach is delivered', async () => {
    n.slack.refuseNext(failure('channel_not_found', false));
    const breach = await breachDispatched(n);
    expect(n.email.sent).toHaveLength(1);
    expect(await n.store.log(breach[0]?.id ?? '')).toEqual({
      slack: {
        outcome: 'failed',
        reason: 'channel_not_found',
        by: expect.stringMatching(/^inc-/),
        at: new Date(T0 + GROUP_WAIT_MS).toISOString(),
      },
      email: expect.objectContaining({ outcome: 'sent' }),
    });
    expect(await n.store.isDone(breach[0]?.id ?? '')).toBe(true);
    expect(n.dispatcher.metrics.notificationsUndeliverable).toEqual({
      slack: { channel_not_found: 1 },
      email: {},
    });
    // Nothing is due before the repeat: the failure is not retried.
    n.advance(REPEAT_INTERVAL_MS - 1);
    expect(await n.dispatchDue()).toBe(0);
    expect(n.slack.attempts).toBe(1);

    await takeAndDispatch(n, transition({ rule: 'latency-p95', transition: 'breached', number: 1 }));
    // The thread never started on Slack: the update is a message of its own.
    expect(n.slack.posts.map((post) => [post.channel, post.threadTs])).toEqual([[OWNER_CHANNEL, null]]);
    expect(n.slack.posts[0]?.message.text).toContain('latency-p95');
    expect(n.email.sent[1]?.message.inReplyTo).toBe(n.email.sent[0]?.message.messageId);
  });

  it('a permanent email failure holds back neither Slack nor later email', async () => {
    n.email.refuseNext(failure('smtp_550', false));
    const breach = await breachDispatched(n);
    expect(n.slack.posts).toHaveLength(1);
    expect(await n.store.log(breach[0]?.id ?? '')).toMatchObject({
      slack: { outcome: 'sent' },
      email: { outcome: 'failed', reason: 'smtp_550' },
    });
    await takeAndDispatch(n, transition({ transition: 'recovered', number: 2 }));
    expect(n.email.sent.map((mail) => mail.message.subject)).toEqual([
      '[Budgetwatch] Resolved: success-rate on payments-mcp',
    ]);
    expect(n.slack.updates).toHaveLength(1);
  });

  it('a message refused for its content is answered with a minimal plain-text one on that channel', async () => {
    n.slack.refuseNext(failure('invalid_blocks', false, true));
    const breach = await breachDispatched(n, 'x'.repeat(4000));
    expect(n.slack.attempts).toBe(2);
    const [plain] = n.slack.posts;
    expect(plain?.message.blocks).toEqual([]);
    expect(plain?.message.text).toMatch(/^Budgetwatch: Budget breached on server `payments-mcp`\. /);
    expect(plain?.message.text).toContain('(invalid_blocks)');
    expect(plain?.message.text).toContain('https://budgetwatch.example/');
    expect(plain?.message.text).not.toContain('xxxx');
    expect(await n.store.log(breach[0]?.id ?? '')).toMatchObject({
      slack: { outcome: 'failed', reason: 'invalid_blocks', fallback: 'sent' },
      email: { outcome: 'sent' },
    });
    expect(n.dispatcher.metrics.notificationsUndeliverable.slack).toEqual({ invalid_blocks: 1 });
    expect(n.dispatcher.metrics.notificationsSent).toEqual({ slack: 1, email: 1 });
  });

  it('plans nothing for a channel it cannot send on', async () => {
    const slackOnly = notifierOnFakeClock({ email: false });
    const breach = await breachDispatched(slackOnly);
    expect(slackOnly.slack.posts).toHaveLength(1);
    expect(await slackOnly.store.log(breach[0]?.id ?? '')).toEqual({
      slack: expect.objectContaining({ outcome: 'sent' }),
    });
    expect(slackOnly.dispatcher.metrics.notificationsUndeliverable).toEqual({ slack: {}, email: {} });
  });
});

describe('Dispatcher: rollout notices', () => {
  let n: FakeNotifier;
  const unregistered = unregisteredServerAnnouncement({ server: 'shadow-mcp', tools: ['exec'] });
  const halted = crsGateTransitionEvent({ transition: 'breached', number: 1 });
  beforeEach(() => {
    n = notifierOnFakeClock({ responderOf: paymentsOnlyInventory });
  });

  it('an unregistered server and an expansion halt each go out once, on Slack and by email, to their routes', async () => {
    await n.take([unregistered, halted]);
    n.advance(GROUP_WAIT_MS);
    expect(await n.dispatchDue()).toBe(2);
    expect(n.slack.posts.map((post) => [post.channel, post.message.text.split('\n')[0]])).toEqual([
      ['#budgetwatch', 'Unregistered MCP server: `shadow-mcp`'],
      [OWNER_CHANNEL, 'Expansion halted: `payments-mcp`'],
    ]);
    expect(n.email.sent.map((mail) => [mail.to, mail.message.subject])).toEqual([
      [['sre@example.com'], '[Budgetwatch] Unregistered MCP server: shadow-mcp'],
      [['payments@example.com'], '[Budgetwatch] Expansion halted: payments-mcp'],
    ]);
    for (const event of [unregistered, halted]) {
      expect(await n.store.isDone(event.id)).toBe(true);
      expect(await n.store.log(event.id)).toMatchObject({
        slack: { outcome: 'sent' },
        email: { outcome: 'sent' },
      });
    }

    // Published again (a producer retry, a replay): recognised, and not told twice.
    await n.take([unregistered, halted]);
    n.advance(GROUP_WAIT_MS);
    await n.dispatchDue();
    expect(n.dispatcher.metrics.eventsAlreadyNotified).toBe(2);
    expect(n.slack.posts).toHaveLength(2);
    expect(n.email.sent).toHaveLength(2);
  });

  it('a matching silence mutes them on both channels, logged', async () => {
    const silence = await n.silences.create({
      matchers: { server: 'shadow-mcp' },
      endsAt: new Date(T0 + REPEAT_INTERVAL_MS).toISOString(),
      createdBy: 'alice',
      comment: 'known shadow server, being registered',
    });
    await takeAndDispatch(n, [unregistered]);
    expect(n.slack.attempts + n.email.attempts).toBe(0);
    expect(await n.store.log(unregistered.id)).toMatchObject({
      slack: { outcome: 'silenced', by: silence.id },
      email: { outcome: 'silenced', by: silence.id },
    });
  });

  it('a notice Slack refuses still goes by email, and the refusal is logged', async () => {
    n.slack.refuseNext(failure('not_in_channel', false));
    await takeAndDispatch(n, [halted]);
    expect(n.slack.posts).toEqual([]);
    expect(n.email.sent.map((mail) => mail.message.subject)).toEqual([
      '[Budgetwatch] Expansion halted: payments-mcp',
    ]);
    expect(await n.store.log(halted.id)).toMatchObject({
      slack: { outcome: 'failed', reason: 'not_in_channel', by: expect.stringMatching(/^ntc-/) },
      email: { outcome: 'sent' },
    });
    expect(n.dispatcher.metrics.notificationsUndeliverable.slack).toEqual({ not_in_channel: 1 });
  });
});
