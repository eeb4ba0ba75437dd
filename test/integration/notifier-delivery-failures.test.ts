import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventNotifications } from '@budgetwatch/api';
import { boundedSeriesName, displayText } from '@budgetwatch/domain';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { budgetTransitionEvents, waitFor } from '@budgetwatch/testkit';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { recordAgentCalls } from '../support/agent-spans.js';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { useTopics } from '../support/kafka.js';
import { useNotifierScenarios } from '../support/notifier-scenarios.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('notifier-failures');
const { slack, smtp, scenario, settled, finishedLog } = await useNotifierScenarios(topics, namespace);

describe('notifier: permanent delivery failures on the real broker, Redis, an SMTP server and the Slack stand-in', () => {
  it('a message Slack refuses for its content is answered with a plain-text one; the log says why', async () => {
    const s = await scenario('blocks');
    slack.failNext({ error: 'invalid_blocks' });
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.posts().length === 1 && s.mails().length === 1, {
      description: 'the plain-text Slack message and the email',
      timeoutMs: 30_000,
    });
    await settled(s);
    const [plain] = s.posts();
    expect(plain?.blocks).toBe('[]');
    expect(plain?.text).toMatch(
      /^Budgetwatch: Budget breached on server `blocks-mcp`\. The full message was refused \(invalid_blocks\)/,
    );
    expect(slack.refused.filter((call) => call.channel === '#blocks').map((call) => call.error)).toEqual([
      'invalid_blocks',
    ]);
    expect(await finishedLog(s, firstBreachId(s.server))).toMatchObject({
      slack: { outcome: 'failed', reason: 'invalid_blocks', fallback: 'sent' },
      email: { outcome: 'sent' },
    });
    expect(s.notifier.metrics.notificationsUndeliverable.slack.invalid_blocks).toBe(1);
  });

  it('a recipient the mail server refuses for good (550) holds Slack back from nothing, and is not retried', async () => {
    const s = await scenario('bounce');
    smtp.refuseRecipient('bounce@example.com', 550);
    await s.publish({ transition: 'breached', number: 1 });
    await waitFor(() => s.posts().length === 1, { description: 'the breach on Slack', timeoutMs: 30_000 });
    await s.publish({ transition: 'recovered', number: 2 });
    await waitFor(() => s.posts().length === 2 && s.updates().length === 1, {
      description: 'the breach and its resolution on Slack',
      timeoutMs: 30_000,
    });
    // Two notifications, each refused once.
    await waitFor(() => s.notifier.metrics.notificationsUndeliverable.email.smtp_550 === 2, {
      description: 'both emails refused',
      timeoutMs: 30_000,
    });
    await settled(s);
    expect(s.mails()).toEqual([]);
    // Nothing is due any more: a permanent refusal is not retried.
    expect(await namespace.client.zscore(`${s.prefix}n:due`, 'prod|bounce-mcp|*')).toBeNull();
    expect(s.notifier.metrics.notificationsFailed.email).toBe(0);
    expect(await finishedLog(s, firstBreachId(s.server))).toMatchObject({
      slack: { outcome: 'sent' },
      email: { outcome: 'failed', reason: 'smtp_550' },
    });
  });
});

/** The id of the tool's breach event a scenario's `publish({ transition: 'breached', number: 1 })` sends. */
function firstBreachId(server: string): string {
  return budgetTransitionEvents({ server, transition: 'breached', number: 1 })[0]?.id ?? '';
}

/** A tool name far beyond anything Slack shows in one block. */
const LONG_TOOL = `search_${'x'.repeat(3993)}`;
const GROUP_WAIT_MS = 2000;

/**
 * `budgetwatch start` on the run's broker and Redis, every stage in one process: spans in through
 * its OTLP intake, the breach decided by its evaluator, notified by its notifier, and read back
 * from its API and /metrics.
 */
describe('budgetwatch start: a Slack channel that does not exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-delivery-'));
  let instance: BudgetwatchInstance | undefined;
  afterAll(async () => {
    await instance?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds back neither the email nor a later breach; the failure is in the log, the API and /metrics', async () => {
    // A low-risk server, so the CRS gate stays shut; its team's channel is gone.
    const inventoryFile = join(dir, 'inventory.yaml');
    writeFileSync(
      inventoryFile,
      `servers:
  - id: longtool-mcp
    name: Search with long tool names
    owner: { team: search, email: search@example.com, slackChannel: "#gone" }
    tier: 0
    dataSensitivity: public
    writeCapability: none
    auth: { mode: oauth, scopes: ["search:read"] }
    sharedAdminCredentials: false
    credentialsSeparated: true
    killSwitch: { owner: alice }
    fallbackMode: cached results
`,
    );
    slack.refuseChannel('#gone', 'channel_not_found');
    const groupId = `bwtest-delivery-${randomUUID()}`;
    instance = await startBudgetwatch(['start'], {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: `${namespace.prefix}start:`,
      BUDGETWATCH_SPAN_TOPICS: await topics.create('delivery-spans', { partitions: 1 }),
      BUDGETWATCH_EVENTS_TOPIC: await topics.create('delivery-events', { partitions: 1 }),
      BUDGETWATCH_DLQ_TOPIC: await topics.create('delivery-dlq'),
      BUDGETWATCH_INGEST_GROUP_ID: groupId,
      BUDGETWATCH_NOTIFIER_GROUP_ID: `${groupId}-notifier`,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
      BUDGETWATCH_INVENTORY: inventoryFile,
      BUDGETWATCH_EVALUATOR_SWEEP_INTERVAL_MS: '1000',
      BUDGETWATCH_NOTIFIER_GROUP_WAIT_MS: String(GROUP_WAIT_MS),
      BUDGETWATCH_NOTIFIER_FETCH_MAX_WAIT_MS: '100',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      BUDGETWATCH_SLACK_API_URL: slack.apiUrl,
      SMTP_URL: smtp.url,
      BUDGETWATCH_EMAIL_FROM: 'budgetwatch@example.com',
      BUDGETWATCH_NOTIFIER_DEFAULT_SLACK_CHANNEL: '#budgetwatch',
      BUDGETWATCH_NOTIFIER_DEFAULT_EMAILS: 'oncall@example.com',
    });
    const bw = instance;
    const mails = () => smtp.received.filter((mail) => mail.to.includes('search@example.com'));
    const events = async () =>
      (await bw.getJson<{ events: BudgetwatchEvent[] }>('/api/v1/events?server=longtool-mcp')).events;
    const notifications = async () =>
      (await bw.getJson<{ notifications: EventNotifications[] }>('/api/v1/notifications?server=longtool-mcp'))
        .notifications;

    // 8 of 80 calls fail: 90% success against the 97% the budget allows, on the tool and the server.
    await recordAgentCalls(new OTLPTraceExporter({ url: bw.intakeUrl }), {
      server: 'longtool-mcp',
      tool: LONG_TOOL,
      count: 80,
      failing: 8,
    });
    const [mail] = await waitFor(() => (mails().length > 0 ? mails() : undefined), {
      description: 'the breach email',
      timeoutMs: 45_000,
    });
    const breaches = (await events()).filter((event) => event.type === 'budgetwatch.budget.breached');
    expect(breaches.map((event) => (event.data.tool === null ? 'server' : 'tool')).sort()).toEqual([
      'server',
      'tool',
    ]);
    // Sent with the first dispatch, one group wait after the breach: Slack's refusal did not hold it.
    const decidedAt = Math.max(...breaches.map((event) => Date.parse(event.time)));
    expect((mail?.receivedAt ?? Number.POSITIVE_INFINITY) - decidedAt).toBeLessThan(GROUP_WAIT_MS + 5000);
    expect(mail?.subject).toBe('[Budgetwatch] Budget breached: success-rate on longtool-mcp');
    // The name as it is kept (cut at 256 characters) and shown (at most 128, with a hash marker).
    expect(mail?.text).toContain(displayText(boundedSeriesName(LONG_TOOL)));

    // The log, served by the API: Slack failed for good with Slack's reason, email sent.
    const logged = await waitFor(
      async () => {
        const breachLog = (await notifications()).filter(
          (entry) => entry.event.type === 'budgetwatch.budget.breached',
        );
        return breachLog.length === 2 && breachLog.every((entry) => entry.channels.email !== undefined)
          ? breachLog
          : undefined;
      },
      { description: 'the breach notifications in the log', timeoutMs: 15_000 },
    );
    for (const entry of logged) {
      expect(entry.channels).toMatchObject({
        slack: { outcome: 'failed', reason: 'channel_not_found' },
        email: { outcome: 'sent' },
      });
    }
    const metrics = parsePrometheusTextFormat(await (await fetch(`${bw.apiUrl}/metrics`)).text());
    const undeliverable = metrics.find(
      (family) => family.name === 'budgetwatch_notifier_notifications_undeliverable_total',
    );
    expect(undeliverable?.metrics).toEqual([
      {
        labels: expect.objectContaining({ channel: 'slack', reason: 'channel_not_found' }),
        value: '1',
      },
    ]);

    // The channel is back (someone invited the bot): a later breach on the server goes out normally,
    // on Slack and in the email thread. 60 calls of 4 s: its p95 is over 3 s.
    slack.acceptChannel('#gone');
    await recordAgentCalls(new OTLPTraceExporter({ url: bw.intakeUrl }), {
      server: 'longtool-mcp',
      tool: 'lookup',
      count: 60,
      failing: 0,
      durationMs: 4000,
    });
    const [update] = await waitFor(
      () => (slack.posts('#gone').length > 0 ? slack.posts('#gone') : undefined),
      {
        description: 'the later breach on Slack',
        timeoutMs: 45_000,
      },
    );
    expect(update?.text).toContain('latency-p95');
    await waitFor(() => mails().length >= 2, { description: 'the later breach by email', timeoutMs: 15_000 });
    expect(mails()[1]?.inReplyTo).toBe(mail?.messageId);
    // The refused post was never tried again.
    expect(slack.refused.filter((call) => call.channel === '#gone')).toHaveLength(1);
  }, 150_000);
});
