import { waitFor } from '@budgetwatch/testkit';
import { describe, expect, it } from 'vitest';
import { useTopics } from '../support/kafka.js';
import { useNotifierScenarios } from '../support/notifier-scenarios.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('notifier-republished');
const { slack, scenario, settled } = await useNotifierScenarios(topics, namespace);

/**
 * Events are published at least once (docs/operations.md, "Delivery guarantees"): after a fault,
 * the evaluator may publish an event again, with the same id and content, as a new record. The
 * notifier recognises the id wherever the first copy is (queued, being delivered, or done), so a
 * re-published event never becomes a second Slack message or email.
 */
describe('notifier: a re-published event (same id, new record) is never notified twice', () => {
  it('published twice before the first copy is dispatched: one message, one email', async () => {
    const s = await scenario('twice-queued');
    await s.publish({ transition: 'breached', number: 1 });
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.notifier.metrics.eventsQueued >= 4, {
      description: 'both copies read',
      timeoutMs: 30_000,
    });
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'the notifications',
      timeoutMs: 30_000,
    });
    await settled(s);
    expect(s.posts()).toHaveLength(1);
    expect(s.mails()).toHaveLength(1);
  });

  it('re-published while Slack still refuses the first copy: one message once Slack answers', async () => {
    const s = await scenario('twice-failing');
    // Two dispatch attempts' worth of 500s (the client retries each attempt three times).
    slack.failNext(...Array.from({ length: 8 }, () => ({ status: 500 })));
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.notifier.metrics.notificationsFailed.slack >= 1, {
      description: 'a Slack delivery to fail',
      timeoutMs: 30_000,
    });
    expect(s.posts()).toHaveLength(0);
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'the Slack message and the email',
      timeoutMs: 60_000,
    });
    await settled(s);
    expect(s.posts()).toHaveLength(1);
    expect(s.mails()).toHaveLength(1);
  }, 90_000);

  it('a breach re-published after its recovery was notified reopens nothing', async () => {
    const s = await scenario('twice-resolved');
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.posts().length === 1, { description: 'the breach message', timeoutMs: 30_000 });
    await s.publish({ transition: 'recovered', number: 2 });
    await waitFor(() => s.updates().length === 1 && s.mails().length === 2, {
      description: 'the resolution',
      timeoutMs: 30_000,
    });
    await settled(s);
    const posts = s.posts().length;
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.notifier.metrics.eventsAlreadyNotified >= 2, {
      description: 'the re-published breach read and recognised',
      timeoutMs: 30_000,
    });
    await settled(s);
    expect(s.posts()).toHaveLength(posts);
    expect(s.mails()).toHaveLength(2);
    expect(s.updates()).toHaveLength(1);
  });
});
