import { createHmac } from 'node:crypto';
import { acknowledgementLogId } from '@budgetwatch/alerting';
import { HttpApi, silenceRoutes, slackInteractionRoutes } from '@budgetwatch/api';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { createLogger } from '@budgetwatch/logger';
import {
  Dispatcher,
  EventIntake,
  RedisNotifierStore,
  RedisSilenceStore,
  SlackActions,
  SlackSink,
} from '@budgetwatch/notifier';
import { budgetTransitionEvents, waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBudgetwatch } from '../support/budgetwatch-instance.js';
import { useRedisNamespace } from '../support/redis.js';
import { type SlackCall, SlackStandIn } from '../support/slack-stand-in.js';

const SIGNING_SECRET = 'e3b0c44298fc1c149afbf4c8996fb924';
const GROUP_WAIT_MS = 1000;
const REPEAT_INTERVAL_MS = 3_600_000;
const USER = { id: 'U024BE7LH', username: 'alice', name: 'alice', team_id: 'T0001' };

const namespace = await useRedisNamespace('slack-interactions');
const logger = createLogger({ name: 'slack-interactions-test', level: 'silent' });
const slack = new SlackStandIn();
let now = Date.UTC(2026, 10, 28, 12);
const clock = () => now;
const store = new RedisNotifierStore(namespace.client, namespace.prefix);
const silences = new RedisSilenceStore(namespace.client, namespace.prefix, clock);
let api: HttpApi;
let baseUrl = '';
let dispatcher: Dispatcher;
let intake: EventIntake;
let actions: SlackActions;
let offset = 0;

beforeAll(async () => {
  await slack.start();
  const sink = new SlackSink({ token: 'xoxb-test-token', apiUrl: slack.apiUrl, logger });
  dispatcher = new Dispatcher({
    store,
    silences,
    slack: sink,
    email: null,
    planner: {
      repeatIntervalMs: REPEAT_INTERVAL_MS,
      routing: { default: { slackChannel: '#budgetwatch', emails: [] }, tiers: {} },
    },
    groupWaitMs: GROUP_WAIT_MS,
    dashboardUrl: 'https://budgetwatch.example/',
    messageIdDomain: 'bw.test',
    logger,
    now: clock,
  });
  intake = new EventIntake({
    store,
    deadLetters: null,
    groupWaitMs: GROUP_WAIT_MS,
    metrics: dispatcher.metrics,
    logger,
    now: clock,
  });
  actions = new SlackActions({ store, silences, slack: sink, logger, now: clock });
  api = new HttpApi({
    routes: [
      ...silenceRoutes(silences),
      ...slackInteractionRoutes({ signingSecret: SIGNING_SECRET, actions, logger, now: clock }),
    ],
    tokens: { read: null, write: null, ingest: null },
    logger,
  });
  baseUrl = `http://127.0.0.1:${await api.listen(0)}`;
});

afterAll(async () => {
  await api?.close();
  await slack.stop();
});

/** Opens an incident for `server` (one tool breaching) and returns its first message and events. */
async function openIncident(server: string): Promise<{ post: SlackCall; events: BudgetwatchEvent[] }> {
  const events = budgetTransitionEvents({ transition: 'breached', number: 1, server });
  for (const event of events) await intake.takeEvent(event, 0, String(offset++));
  now += GROUP_WAIT_MS;
  await dispatcher.dispatchDue();
  const post = slack.posts().find((call) => call.text.includes(server) && call.threadTs === null);
  if (post === undefined) throw new Error(`no message for ${server}`);
  return { post, events };
}

interface Button {
  action_id: string;
  value?: string;
  url?: string;
  text: { text: string };
}

function buttonsOf(post: SlackCall): Button[] {
  const blocks = JSON.parse(post.blocks) as { type: string; elements?: Button[] }[];
  return blocks.find((block) => block.type === 'actions')?.elements ?? [];
}

/** A block_actions payload as Slack sends it for a click on `button` of `post`. */
function clickBody(post: SlackCall, button: Button): string {
  const payload = {
    type: 'block_actions',
    user: USER,
    api_app_id: 'A0001',
    token: 'verification-token-not-used',
    container: { type: 'message', message_ts: post.ts, channel_id: post.channel, is_ephemeral: false },
    trigger_id: '1.2.3',
    team: { id: 'T0001', domain: 'example' },
    channel: { id: post.channel, name: 'budgetwatch' },
    message: { type: 'message', ts: post.ts, text: post.text, blocks: JSON.parse(post.blocks) as unknown },
    response_url: 'https://hooks.example/actions/T0001/1/2',
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: 'budgetwatch.actions',
        text: { type: 'plain_text', text: button.text.text, emoji: true },
        value: button.value,
        action_ts: String(now / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Signs as Slack does: v0= + hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret. */
function signed(body: string, timestampS = Math.floor(now / 1000), secret = SIGNING_SECRET) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestampS}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestampS), 'x-slack-signature': signature };
}

function send(body: string, headers: Record<string, string>): Promise<Response> {
  return sendTo(baseUrl, body, headers);
}

async function silenceList(): Promise<
  { matchers: object; createdBy: string; comment: string; endsAt: string }[]
> {
  const response = await fetch(`${baseUrl}/api/v1/silences`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { silences: [] }).silences;
}

function button(post: SlackCall, actionId: string): Button {
  const found = buttonsOf(post).find((candidate) => candidate.action_id === actionId);
  if (found === undefined) throw new Error(`no ${actionId} button`);
  return found;
}

describe('Slack interactivity on a real HTTP server, Redis and the Slack Web API stand-in', () => {
  it('alert messages carry acknowledge, silence and dashboard buttons', async () => {
    const { post } = await openIncident('buttons-mcp');
    expect(buttonsOf(post).map((candidate) => candidate.text.text)).toEqual([
      'Acknowledge',
      'Silence 1h',
      'Silence 4h',
      'Silence 24h',
      'Open dashboard',
    ]);
    expect(button(post, 'budgetwatch.dashboard').url).toBe('https://budgetwatch.example/');
  });

  it('acknowledge is recorded, told in the thread, and stops the repeats of that incident only', async () => {
    const acknowledged = await openIncident('ack-mcp');
    const other = await openIncident('other-mcp');
    const breachId = acknowledged.events[0]?.id ?? '';
    const body = clickBody(acknowledged.post, button(acknowledged.post, 'budgetwatch.acknowledge'));
    const response = await send(body, signed(body));
    expect(response.status).toBe(200);

    const incidentId = (await store.load('prod|ack-mcp|*')).incident?.id ?? '';
    expect(await store.log(acknowledgementLogId(incidentId))).toEqual({
      acknowledged: {
        outcome: 'acknowledged',
        by: 'slack:alice (U024BE7LH)',
        at: new Date(now).toISOString(),
      },
    });
    expect((await store.log(breachId)).acknowledged?.by).toBe('slack:alice (U024BE7LH)');
    await waitFor(() => slack.posts().some((call) => call.threadTs === acknowledged.post.ts), {
      description: 'the acknowledgement in the thread',
      timeoutMs: 10_000,
    });
    const reply = slack.posts().find((call) => call.threadTs === acknowledged.post.ts);
    expect(reply?.text).toBe(
      ':white_check_mark: Acknowledged by <@U024BE7LH>: no more repeats of this incident.',
    );

    // Past the repeat interval: the other incident is repeated, the acknowledged one is not.
    now += REPEAT_INTERVAL_MS;
    await dispatcher.dispatchDue();
    expect(slack.posts().filter((call) => call.threadTs === other.post.ts)).toHaveLength(1);
    expect(slack.posts().filter((call) => call.threadTs === acknowledged.post.ts)).toEqual([reply]);
    // And it is not due again and again.
    expect(await dispatcher.dueServers()).not.toContain('prod|ack-mcp|*');
  });

  it('silence 1h creates a silence of that alert, by the Slack user, listed by the API and logged', async () => {
    const { post, events } = await openIncident('silence-mcp');
    const before = await silenceList();
    const body = clickBody(post, button(post, 'budgetwatch.silence.1h'));
    expect((await send(body, signed(body))).status).toBe(200);

    const created = (await silenceList()).filter(
      (silence) => !before.some((old) => JSON.stringify(old) === JSON.stringify(silence)),
    );
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      matchers: { server: 'silence-mcp', tool: 'refund', rule: 'success-rate' },
      createdBy: 'slack:alice (U024BE7LH)',
      endsAt: new Date(now + 3_600_000).toISOString(),
      state: 'active',
    });
    expect(created[0]?.comment).toMatch(/^from Slack: silenced for 1h from incident inc-/);
    const log = await store.log(events[0]?.id ?? '');
    expect(log.silence).toMatchObject({ outcome: 'silence_created', at: new Date(now).toISOString() });
    await waitFor(() => slack.posts().some((call) => call.threadTs === post.ts), {
      description: 'the silence in the thread',
      timeoutMs: 10_000,
    });
    expect(slack.posts().find((call) => call.threadTs === post.ts)?.text).toMatch(
      /^:no_bell: Silenced for 1h by <@U024BE7LH>: `sil-/,
    );
  });

  it('an unsigned, wrongly signed or stale request gets 401 and changes nothing', async () => {
    const { post } = await openIncident('refused-mcp');
    const incidentId = (await store.load('prod|refused-mcp|*')).incident?.id ?? '';
    const silencesBefore = await silenceList();
    const postsBefore = slack.posts().length;
    const ack = clickBody(post, button(post, 'budgetwatch.acknowledge'));
    const silence = clickBody(post, button(post, 'budgetwatch.silence.24h'));
    const good = signed(silence);
    const attempts: [string, string, Record<string, string>][] = [
      ['another secret', ack, signed(ack, undefined, 'f'.repeat(32))],
      ['a signature of another body', silence, signed(ack)],
      ['a tampered body', `${silence}x`, good],
      ['no signature', silence, { 'x-slack-request-timestamp': good['x-slack-request-timestamp'] }],
      ['no timestamp', silence, { 'x-slack-signature': good['x-slack-signature'] }],
      ['no headers', ack, {}],
      ['signed 5 minutes and 1 second ago', ack, signed(ack, Math.floor(now / 1000) - 301)],
    ];
    for (const [what, body, headers] of attempts) {
      const response = await send(body, headers);
      expect(response.status, what).toBe(401);
    }
    expect(await silenceList()).toEqual(silencesBefore);
    expect(await store.log(acknowledgementLogId(incidentId))).toEqual({});
    expect(slack.posts()).toHaveLength(postsBefore);
    // The same requests, signed now, are taken: the refusals were for their signatures alone.
    expect((await send(ack, signed(ack))).status).toBe(200);
    expect((await store.log(acknowledgementLogId(incidentId))).acknowledged?.outcome).toBe('acknowledged');
  });

  it('a signed click naming an incident that is not open changes nothing', async () => {
    const { post } = await openIncident('forged-mcp');
    const silencesBefore = await silenceList();
    const forged: Button = {
      ...button(post, 'budgetwatch.silence.1h'),
      // Another incident id for the same server: the button's claim is checked against the store.
      value: button(post, 'budgetwatch.silence.1h').value?.replace(
        /^inc-[0-9a-f]{16}/,
        'inc-0000000000000000',
      ),
    };
    const body = clickBody(post, forged);
    expect((await send(body, signed(body))).status).toBe(200);
    expect(await silenceList()).toEqual(silencesBefore);
  });

  it('a signed click with an action or value Budgetwatch does not write changes nothing', async () => {
    const { post } = await openIncident('odd-mcp');
    const incidentId = (await store.load('prod|odd-mcp|*')).incident?.id ?? '';
    const silencesBefore = await silenceList();
    const ack = button(post, 'budgetwatch.acknowledge');
    for (const odd of [
      { ...ack, action_id: 'constructor' },
      { ...ack, action_id: 'budgetwatch.silence.2h' },
      { ...ack, value: 'inc-0000000000000000|p|<!channel>' },
      { ...ack, value: undefined },
    ]) {
      const body = clickBody(post, odd);
      expect((await send(body, signed(body))).status).toBe(200);
    }
    const malformed = 'payload=%7Bnot-json';
    expect((await send(malformed, signed(malformed))).status).toBe(400);
    expect(await silenceList()).toEqual(silencesBefore);
    expect(await store.log(acknowledgementLogId(incidentId))).toEqual({});
  });

  it('refuses a body larger than the bound with 413', async () => {
    const body = `payload=${'x'.repeat(300 * 1024)}`;
    expect((await send(body, signed(body))).status).toBe(413);
  });
});

describe('budgetwatch start --demo with Slack interactivity configured', () => {
  it('posts buttons whose clicks, signed as Slack signs them, acknowledge through the real process', async () => {
    const instance = await startBudgetwatch(['start', '--demo'], {
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      BUDGETWATCH_SLACK_API_URL: slack.apiUrl,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      BUDGETWATCH_NOTIFIER_GROUP_WAIT_MS: '100',
      BUDGETWATCH_NOTIFIER_DEFAULT_SLACK_CHANNEL: '#demo',
    });
    try {
      const isDemoIncident = (call: SlackCall) =>
        call.threadTs === null &&
        call.blocks.includes('budgetwatch.acknowledge') &&
        call.text.includes('payments-mcp');
      await waitFor(() => slack.calls.some(isDemoIncident), {
        description: "the demo's payments-mcp incident in Slack",
        timeoutMs: 60_000,
      });
      const post = slack.calls.find(isDemoIncident) as SlackCall;
      const body = clickBody(post, button(post, 'budgetwatch.acknowledge'));
      const wallClock = Math.floor(Date.now() / 1000);
      expect((await sendTo(instance.apiUrl, body, {})).status).toBe(401);
      expect((await sendTo(instance.apiUrl, body, signed(body, wallClock))).status).toBe(200);
      await waitFor(() => slack.posts().some((call) => call.threadTs === post.ts), {
        description: 'the acknowledgement in the thread',
        timeoutMs: 10_000,
      });
      const log = await instance.getJson<{
        notifications: { channels: Record<string, { outcome: string; by: string }> }[];
      }>('/api/v1/notifications?server=payments-mcp');
      expect(
        log.notifications.some((entry) => entry.channels.acknowledged?.by === 'slack:alice (U024BE7LH)'),
      ).toBe(true);
    } finally {
      await instance.stop();
    }
  });

  it('has no interactivity endpoint without the signing secret (404)', async () => {
    const instance = await startBudgetwatch(['start'], {});
    try {
      const body = 'payload=%7B%7D';
      expect((await sendTo(instance.apiUrl, body, signed(body, Math.floor(Date.now() / 1000)))).status).toBe(
        404,
      );
    } finally {
      await instance.stop();
    }
  });
});

function sendTo(apiUrl: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${apiUrl}/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}
