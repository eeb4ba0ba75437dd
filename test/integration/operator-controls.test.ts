import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decisionControlRoutes, HttpApi } from '@budgetwatch/api';
import { loadInventory } from '@budgetwatch/config';
import { type Inventory, MAX_SERIES_NAME_LENGTH } from '@budgetwatch/domain';
import { HistoryRecordingPublisher, InMemoryEventHistory, InProcessEventBus } from '@budgetwatch/evaluator';
import { type BudgetwatchEvent, DecisionBook, MAX_REASON_LENGTH } from '@budgetwatch/events';
import { createLogger } from '@budgetwatch/logger';
import { createEventValidator, type PrivateRedis, startPrivateRedis, waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { budgetwatchInProcess as budgetwatch } from '../support/cli.js';
import { inventoryEntry } from '../support/inventory-entries.js';
import { testKafka, useTopics } from '../support/kafka.js';

const TOKEN = 'operator-token-0123456789';
const SERVER = 'payments-mcp';
const logger = createLogger({ name: 'test-operator-controls', level: 'silent' });
const validator = createEventValidator();

const dir = mkdtempSync(join(tmpdir(), 'bw-operator-controls-'));
const INVENTORY_FILE = join(dir, 'inventory.yaml');
const listed = { ...inventoryEntry(SERVER, 2, 'payments.internal'), fallbackMode: 'queue refunds' };
writeFileSync(INVENTORY_FILE, stringify({ servers: [listed] }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  status: number;
  body: { eventId?: string; event?: BudgetwatchEvent; error?: string };
}

async function call(base: string, method: string, path: string, body: unknown, token: string | null = TOKEN) {
  const response = await fetch(`${base}/api/v1/decisions/${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** The id the CLI printed with --json. */
function eventIdOf(result: { code: number | null; output: string }): string {
  expect(result.code, result.output).toBe(0);
  const answer = JSON.parse(result.output) as Answer['body'];
  expect(answer.eventId).toMatch(/^operator\//);
  return answer.eventId as string;
}

const engage = { server: SERVER, engaged: true, reason: 'credentials leaked', actor: 'alice' };

describe('operator control routes', () => {
  const history = new InMemoryEventHistory();
  const bus = new InProcessEventBus();
  const book = new DecisionBook();
  const published: BudgetwatchEvent[] = [];
  bus.subscribe(async (event) => {
    published.push(event);
    book.apply(event);
  });
  const inventory = async (): Promise<Inventory> => loadInventory({ file: INVENTORY_FILE }).inventory;
  const serve = (write: string | null) =>
    new HttpApi({
      routes: decisionControlRoutes({
        publisher: new HistoryRecordingPublisher(bus, history, logger),
        inventory,
      }),
      tokens: { read: null, write, ingest: null },
      logger,
    });
  const api = serve(TOKEN);
  const withoutToken = serve(null);
  let base = '';
  let baseWithoutToken = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${await api.listen(0)}`;
    baseWithoutToken = `http://127.0.0.1:${await withoutToken.listen(0)}`;
  });
  afterAll(async () => {
    await api.close();
    await withoutToken.close();
  });

  it('each control answers 202 with the id of the event it published and recorded', async () => {
    const answers = [
      await call(base, 'POST', 'kill-switch', engage),
      await call(base, 'POST', 'freeze', { server: SERVER, tool: 'refunds/create', reason: 'r', actor: 'a' }),
      await call(base, 'DELETE', 'freeze', {
        server: SERVER,
        tool: 'refunds/create',
        reason: 'r',
        actor: 'a',
      }),
      await call(base, 'POST', 'lift', {
        server: 'unlisted-mcp',
        reason: 'r',
        actor: 'a',
        durationMs: 60_000,
      }),
      await call(base, 'POST', 'kill-switch', { ...engage, engaged: false }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    expect(answers.map((answer) => answer.body.event?.type)).toEqual([
      'budgetwatch.killswitch.engaged',
      'budgetwatch.freeze.set',
      'budgetwatch.freeze.cleared',
      'budgetwatch.freeze.lifted',
      'budgetwatch.killswitch.released',
    ]);
    const ids = answers.map((answer) => answer.body.eventId);
    expect(published.map((event) => event.id)).toEqual(ids);
    expect((await history.recent(10)).map((event) => event.id)).toEqual([...ids].reverse());
    for (const event of published) expect(validator.errors(event)).toEqual([]);
    expect(published[0]?.data).toMatchObject({
      actor: 'alice',
      reason: 'credentials leaked',
      fallbackMode: 'queue refunds',
      killSwitchOwner: null,
    });
    // Not in the inventory: no fallback mode to carry.
    expect(published[3]?.data).toMatchObject({ server: 'unlisted-mcp', fallbackMode: null });
    expect(book.current()).toEqual([]);
  });

  it.each([
    ['no token', TOKEN, null, 401],
    ['a wrong token', TOKEN, 'wrong-token-0123456789', 401],
    ['mutations disabled (no token configured)', null, TOKEN, 403],
  ])('refuses %s and publishes nothing', async (_label, configured, token, status) => {
    const before = published.length;
    const answer = await call(
      configured === null ? baseWithoutToken : base,
      'POST',
      'kill-switch',
      engage,
      token,
    );
    expect(answer.status).toBe(status);
    expect(answer.body.error).toEqual(expect.any(String));
    expect(published).toHaveLength(before);
  });

  it.each([
    ['not JSON', 'kill-switch', '{', 'body is not JSON'],
    ['no body', 'kill-switch', '', 'body: '],
    ['no reason', 'kill-switch', { ...engage, reason: undefined }, 'reason: '],
    ['a blank reason', 'freeze', { server: SERVER, reason: '   ', actor: 'a' }, 'reason: must not be blank'],
    [
      'a long reason',
      'freeze',
      { server: SERVER, reason: 'x'.repeat(MAX_REASON_LENGTH + 1), actor: 'a' },
      'reason: ',
    ],
    ['a tool on the kill switch', 'kill-switch', { ...engage, tool: 't' }, 'Unrecognized key'],
    ['engaged as a string', 'kill-switch', { ...engage, engaged: 'yes' }, 'engaged: '],
    [
      'a long server id',
      'freeze',
      { server: 's'.repeat(MAX_SERIES_NAME_LENGTH + 1), reason: 'r', actor: 'a' },
      'server: ',
    ],
    ['an empty tool', 'freeze', { server: SERVER, tool: '', reason: 'r', actor: 'a' }, 'tool: '],
    ['a lift of 10 ms', 'lift', { server: SERVER, reason: 'r', actor: 'a', durationMs: 10 }, 'durationMs: '],
    [
      'a lift of a year',
      'lift',
      { server: SERVER, reason: 'r', actor: 'a', durationMs: 3.2e10 },
      'durationMs: ',
    ],
  ])('answers 400 for %s, with what is wrong, and publishes nothing', async (_label, path, body, message) => {
    const before = published.length;
    const answer = await call(base, 'POST', path, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain(message);
    expect(published).toHaveLength(before);
  });

  it('answers 413 for a body over 16 KiB, and 404 for a kill switch of a server not in the inventory', async () => {
    const large = await call(base, 'POST', 'freeze', {
      server: SERVER,
      reason: 'r',
      actor: 'a'.repeat(20_000),
    });
    expect(large.status).toBe(413);
    const unlisted = await call(base, 'POST', 'kill-switch', { ...engage, server: 'unlisted-mcp' });
    expect(unlisted).toEqual({
      status: 404,
      body: { error: 'server "unlisted-mcp" is not in the inventory' },
    });
  });

  it('answers 503 where there is no events topic to publish to', async () => {
    const offline = new HttpApi({
      routes: decisionControlRoutes({ publisher: null, inventory }),
      tokens: { read: null, write: TOKEN, ingest: null },
      logger,
    });
    const url = `http://127.0.0.1:${await offline.listen(0)}`;
    try {
      const answer = await call(url, 'POST', 'kill-switch', engage);
      expect(answer.status).toBe(503);
      expect(answer.body.error).toContain('KAFKA_BROKERS');
    } finally {
      await offline.close();
    }
  });
});

/** The CLI against a running API: engage, lift, freeze; each event in the API's history. */
async function operateThroughCli(instance: BudgetwatchInstance): Promise<string[]> {
  const cli = (args: string[], token: string | null = TOKEN) =>
    budgetwatch([...args, '--api', instance.apiUrl], token === null ? {} : { BUDGETWATCH_API_TOKEN: token });
  const ids = [
    eventIdOf(
      await cli([
        'kill-switch',
        'engage',
        SERVER,
        '--reason',
        'credentials leaked',
        '--actor',
        'alice',
        '--json',
      ]),
    ),
    eventIdOf(
      await cli([
        'freeze',
        'lift',
        `${SERVER}/refunds/create`,
        '--reason',
        'false alarm',
        '--for',
        '1h',
        '--json',
      ]),
    ),
    eventIdOf(
      await cli(['freeze', 'set', `${SERVER}/refunds/create`, '--reason', 'double charges', '--json']),
    ),
  ];
  const history = async () =>
    (await instance.getJson<{ events: BudgetwatchEvent[] }>(`/api/v1/events?server=${SERVER}&limit=50`))
      .events;
  const recorded = await waitFor(
    async () => {
      const events = await history();
      return ids.every((id) => events.some((event) => event.id === id)) ? events : undefined;
    },
    { description: 'the three operator events in the event history', timeoutMs: 10_000 },
  );
  const byId = new Map(recorded.map((event) => [event.id, event]));
  expect(byId.get(ids[0] as string)).toMatchObject({
    type: 'budgetwatch.killswitch.engaged',
    data: { actor: 'alice', reason: 'credentials leaked', fallbackMode: 'queue refunds' },
  });
  expect(byId.get(ids[1] as string)?.data).toMatchObject({
    tool: 'refunds/create',
    until: expect.any(String),
  });
  // --actor defaults to the OS user.
  expect(byId.get(ids[2] as string)?.data).toMatchObject({ actor: expect.stringMatching(/\S/) });

  // Refused: a wrong token, no token, a body the API rejects, a server not listed. Nothing is added.
  const count = (await history()).length;
  const wrong = await cli(['kill-switch', 'release', SERVER, '--reason', 'r'], 'wrong-token-0123456789');
  expect(wrong).toMatchObject({ code: 2 });
  expect(wrong.output).toContain(
    'the API refused (401): a valid bearer token is required (check BUDGETWATCH_API_TOKEN)',
  );
  const missing = await cli(['kill-switch', 'release', SERVER, '--reason', 'r'], null);
  expect(missing.output).toContain('(401)');
  expect(missing.output).toContain('set BUDGETWATCH_API_TOKEN');
  const blank = await cli(['freeze', 'set', SERVER, '--reason', ' ']);
  expect(blank).toMatchObject({ code: 2 });
  expect(blank.output).toContain('the API refused (400): reason: must not be blank');
  const unlisted = await cli(['kill-switch', 'engage', 'nowhere-mcp', '--reason', 'r']);
  expect(unlisted.output).toContain('the API refused (404): server "nowhere-mcp" is not in the inventory');
  expect((await history()).length).toBe(count);
  return ids;
}

describe('operator controls through budgetwatch start (embedded)', () => {
  let instance: BudgetwatchInstance;
  beforeAll(async () => {
    instance = await startBudgetwatch(['start'], {
      BUDGETWATCH_API_TOKEN: TOKEN,
      BUDGETWATCH_INVENTORY: INVENTORY_FILE,
    });
  });
  afterAll(() => instance?.stop());

  it('the CLI engages, lifts and freezes; each answers with an event id in the history', async () => {
    await operateThroughCli(instance);
  });

  it('the CLI clears a manual freeze and releases the kill switch', async () => {
    const cli = (args: string[]) =>
      budgetwatch([...args, '--reason', 'resolved', '--api', instance.apiUrl], {
        BUDGETWATCH_API_TOKEN: TOKEN,
      });
    const cleared = await cli(['freeze', 'clear', `${SERVER}/refunds/create`]);
    expect(cleared).toMatchObject({ code: 0 });
    expect(cleared.output).toMatch(/^manual freeze cleared: payments-mcp\/refunds\/create: event operator\//);
    const released = await cli(['kill-switch', 'release', SERVER]);
    expect(released.output).toMatch(/^kill switch released on payments-mcp: event operator\//);
    const { events } = await instance.getJson<{ events: BudgetwatchEvent[] }>('/api/v1/events?limit=2');
    expect(events.map((event) => event.type)).toEqual([
      'budgetwatch.killswitch.released',
      'budgetwatch.freeze.cleared',
    ]);
  });

  it('the CLI says when the API is unreachable, and checks --for before asking', async () => {
    const down = await budgetwatch([
      'kill-switch',
      'engage',
      SERVER,
      '--reason',
      'r',
      '--api',
      'http://127.0.0.1:59997',
    ]);
    expect(down).toMatchObject({ code: 1 });
    expect(down.output).toContain('the API at http://127.0.0.1:59997 is unreachable (ECONNREFUSED)');
    const tooLong = await budgetwatch([
      'freeze',
      'lift',
      SERVER,
      '--reason',
      'r',
      '--for',
      '30d',
      '--api',
      instance.apiUrl,
    ]);
    expect(tooLong).toMatchObject({ code: 2 });
    expect(tooLong.output).toContain("option '--for <length>' argument '30d' is invalid");
  });
});

describe('operator controls on Kafka and Redis', () => {
  const topics = useTopics();
  let redis: PrivateRedis;
  let eventsTopic = '';
  let env: Record<string, string> = {};
  let instance: BudgetwatchInstance;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    eventsTopic = await topics.create('operator-events');
    const groupId = `bwtest-operator-${randomUUID()}`;
    env = {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: redis.url,
      BUDGETWATCH_SPAN_TOPICS: await topics.create('operator-spans'),
      BUDGETWATCH_DLQ_TOPIC: await topics.create('operator-dlq'),
      BUDGETWATCH_EVENTS_TOPIC: eventsTopic,
      BUDGETWATCH_INGEST_GROUP_ID: groupId,
      BUDGETWATCH_NOTIFIER_GROUP_ID: `${groupId}-notifier`,
      BUDGETWATCH_API_TOKEN: TOKEN,
      BUDGETWATCH_INVENTORY: INVENTORY_FILE,
    };
    instance = await startBudgetwatch(['start'], env);
  });
  afterAll(async () => {
    await instance?.stop();
    await redis?.stop();
  });

  /** Every event on the events topic, read from the start with a consumer of its own. */
  async function eventsOnTopic(expected: number): Promise<BudgetwatchEvent[]> {
    const received: BudgetwatchEvent[] = [];
    const reader = testKafka().consumer({
      groupId: `bwtest-operator-reader-${randomUUID()}`,
      maxWaitTimeInMs: 100,
    });
    await reader.connect();
    try {
      await reader.subscribe({ topic: eventsTopic, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          expect(message.key?.toString()).toBe(SERVER);
          received.push(JSON.parse(message.value?.toString() ?? '{}') as BudgetwatchEvent);
        },
      });
      await waitFor(() => received.length >= expected, {
        description: `${expected} events on ${eventsTopic}`,
        timeoutMs: 30_000,
      });
    } finally {
      await reader.disconnect();
    }
    return received;
  }

  it('the CLI engages, lifts and freezes; each event is in the Redis history and on the events topic', async () => {
    const ids = await operateThroughCli(instance);
    const onTopic = await eventsOnTopic(ids.length);
    // The refused requests published nothing: exactly the three, in order.
    expect(onTopic.map((event) => event.id)).toEqual(ids);
    for (const event of onTopic) expect(validator.errors(event)).toEqual([]);
    // A policy engine folding the topic: the kill switch and the manual freeze hold.
    const book = new DecisionBook();
    for (const event of onTopic) book.apply(event);
    expect(book.current().map((subject) => [subject.key, subject.decisions.map((d) => d.kind)])).toEqual([
      [SERVER, ['kill_switch']],
      [`${SERVER}/refunds%2Fcreate`, ['frozen']],
    ]);
  });

  it('budgetwatch api publishes operator events to the same topic and history', async () => {
    const api = await startBudgetwatch(['api'], env);
    try {
      const released = await call(api.apiUrl, 'POST', 'kill-switch', { ...engage, engaged: false });
      expect(released.status).toBe(202);
      const onTopic = await eventsOnTopic(4);
      expect(onTopic.at(-1)?.id).toBe(released.body.eventId);
      const { events } = await instance.getJson<{ events: BudgetwatchEvent[] }>('/api/v1/events?limit=1');
      expect(events[0]?.id).toBe(released.body.eventId);
    } finally {
      await api.stop();
    }
  });
});
