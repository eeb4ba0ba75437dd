import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import {
  type DecisionSource,
  DecisionStreams,
  decisionRoutes,
  FoldedDecisionSource,
  HttpApi,
  TopicDecisionSource,
} from '@budgetwatch/api';
import { DecisionFolder, InProcessEventBus, KafkaEventPublisher } from '@budgetwatch/evaluator';
import {
  type BudgetwatchEvent,
  DecisionBook,
  OperatorStamps,
  operatorEvent,
  type SubjectDecisions,
} from '@budgetwatch/events';
import { CompactedTopicFollower } from '@budgetwatch/kafka';
import { createLogger } from '@budgetwatch/logger';
import { budgetTransitionEvents, waitFor } from '@budgetwatch/testkit';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Kafka } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { recordAgentCalls } from '../support/agent-spans.js';
import { startBudgetwatch } from '../support/budgetwatch-instance.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { SseClient } from '../support/sse-client.js';

const topics = useTopics();
const namespace = await useRedisNamespace('decision-feeds');
const kafka = testKafka('decision-feeds');
const logger = createLogger({ name: 'decision-feeds-test', level: 'silent' });
const READ_TOKEN = 'read-token-0123456789';
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

type Transition = Parameters<typeof budgetTransitionEvents>[0];
/** Ten decisions on three servers and four rules, two of them cleared again (tombstones). */
const TEN_TRANSITIONS: Transition[] = [
  { rule: 'success-rate', server: 'payments-mcp', tool: 'refund', transition: 'breached', number: 1 },
  { rule: 'latency-p95', server: 'payments-mcp', tool: 'refund', transition: 'breached', number: 1 },
  { rule: 'success-rate', server: 'payments-mcp', tool: 'capture', transition: 'breached', number: 1 },
  { rule: 'fallback-activation', server: 'payments-mcp', tool: null, transition: 'breached', number: 1 },
  { rule: 'success-rate', server: 'search-mcp', tool: 'query', transition: 'breached', number: 1 },
  { rule: 'success-rate', server: 'payments-mcp', tool: 'capture', transition: 'recovered', number: 2 },
  { rule: 'unexpected-policy-blocks', server: 'notes-mcp', tool: 'write', transition: 'breached', number: 1 },
  { rule: 'latency-p95', server: 'payments-mcp', tool: 'refund', transition: 'recovered', number: 2 },
  { rule: 'success-rate', server: 'search-mcp', tool: 'query', transition: 'recovered', number: 2 },
  { rule: 'success-rate', server: 'search-mcp', tool: 'query', transition: 'breached', number: 3 },
];

/** The decisions the events make, folded here independently of the feeds. */
function expectedState(transitions: readonly Transition[]): SubjectDecisions[] {
  const book = new DecisionBook();
  for (const transition of transitions)
    for (const event of budgetTransitionEvents(transition)) book.apply(event);
  return book.current();
}

/** Waits until the folder's group has committed the end of every partition (an empty one: nothing to commit). */
async function waitForFolded(groupId: string, topic: string): Promise<void> {
  const ends = await topics.admin.fetchTopicOffsets(topic);
  await waitFor(
    async () => {
      const [committed] = await topics.admin.fetchOffsets({ groupId, topics: [topic] });
      return ends.every((end) => {
        const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        return Math.max(0, Number(offset)) === Number(end.high);
      });
    },
    { description: `group ${groupId} to commit the end of ${topic}`, timeoutMs: 30_000, intervalMs: 50 },
  );
}

interface TopicRecord {
  offset: number;
  key: string;
  value: string | null;
}

/** Every record of the topic up to its end now, read by a plain kafkajs consumer from offset 0. */
async function readToEnd(topic: string): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const [partition] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const high = Number(partition?.high ?? 0);
  if (high === 0) return [];
  const consumer = kafka.consumer({
    groupId: `bwtest-decisions-reader-${randomUUID()}`,
    maxWaitTimeInMs: 100,
  });
  const records: TopicRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      records.push({
        offset: Number(message.offset),
        key: message.key?.toString() ?? '',
        value: message.value === null ? null : message.value.toString(),
      });
    },
  });
  await waitFor(() => (records.at(-1)?.offset ?? -1) + 1 >= high, {
    description: `${topic} read to offset ${high}`,
    timeoutMs: 30_000,
  });
  await consumer.disconnect();
  return records;
}

/** The state a subscriber holds after reading the records: the latest value per key, tombstones removing. */
function stateOf(records: readonly TopicRecord[]): SubjectDecisions[] {
  const state = new Map<string, SubjectDecisions>();
  for (const record of records) {
    if (record.value === null) state.delete(record.key);
    else state.set(record.key, JSON.parse(record.value) as SubjectDecisions);
  }
  return [...state.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function decisionTopics(label: string) {
  return {
    events: await topics.create(`${label}-events`, { partitions: 3 }),
    decisions: await topics.create(`${label}-decisions`, {
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    }),
  };
}

async function startFolder(
  names: { events: string; decisions: string },
  groupId: string,
): Promise<DecisionFolder> {
  const folder = new DecisionFolder({
    kafka,
    eventsTopic: names.events,
    decisionsTopic: names.decisions,
    groupId,
    logger,
    sessionTimeoutMs: 6000,
  });
  await folder.start();
  return folder;
}

async function publisherOn(topic: string): Promise<KafkaEventPublisher> {
  const publisher = new KafkaEventPublisher(kafka as Kafka, topic);
  cleanup.push(() => publisher.close());
  return publisher;
}

/** An API serving the decision routes of `source` on a free port, with short heartbeats. */
async function serveDecisions(
  source: DecisionSource,
  options: { maxClients?: number } = {},
): Promise<{ url: string; streams: DecisionStreams }> {
  const streams = new DecisionStreams({ feed: source.feed, heartbeatMs: 200, ...options });
  const api = new HttpApi({
    routes: decisionRoutes(source, streams),
    tokens: { read: READ_TOKEN, write: null, ingest: null },
    logger,
  });
  const port = await api.listen(0, '127.0.0.1');
  cleanup.push(async () => {
    streams.close();
    await api.close();
  });
  return { url: `http://127.0.0.1:${port}/api/v1/decisions`, streams };
}

const auth = { authorization: `Bearer ${READ_TOKEN}` };

async function getDecisions(url: string) {
  const response = await fetch(url, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    version: number;
    decisions: SubjectDecisions[];
    nextCursor: string | null;
  };
}

async function allPages(url: string, limit: number): Promise<SubjectDecisions[]> {
  const subjects: SubjectDecisions[] = [];
  let cursor: string | null = null;
  do {
    const page = await getDecisions(`${url}?limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
    expect(page.decisions.length).toBeLessThanOrEqual(limit);
    subjects.push(...page.decisions);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return subjects;
}

async function followTopic(topic: string, resumableChanges?: number): Promise<TopicDecisionSource> {
  const source = new TopicDecisionSource({
    kafka,
    topic,
    logger,
    ...(resumableChanges === undefined ? {} : { resumableChanges }),
  });
  await source.start();
  cleanup.push(() => source.stop());
  await waitFor(() => source.unavailable() === null, {
    description: 'the decisions topic read',
    timeoutMs: 30_000,
  });
  return source;
}

describe('decision feeds on Kafka', () => {
  const groupId = `bwtest-decisions-${randomUUID().slice(0, 8)}`;
  let names: { events: string; decisions: string };
  let publisher: KafkaEventPublisher;

  it('a subscriber that starts after ten decisions reads exactly the current state: topic and GET', async () => {
    names = await decisionTopics('feeds');
    publisher = await publisherOn(names.events);
    const folder = await startFolder(names, groupId);
    cleanup.push(() => folder.stop());
    // One at a time, so each change is its own batch (a batch writes only each key's last state).
    for (const transition of TEN_TRANSITIONS) {
      await publisher.publish(budgetTransitionEvents(transition));
      await waitForFolded(groupId, names.events);
    }

    const expected = expectedState(TEN_TRANSITIONS);
    expect(expected.map((subject) => subject.key)).toEqual([
      'notes-mcp/write',
      'payments-mcp',
      'payments-mcp/refund',
      'search-mcp/query',
    ]);
    const records = await readToEnd(names.decisions);
    expect(stateOf(records)).toEqual(expected);
    // The cleared subjects were written as tombstones, and nothing was written twice in a row.
    expect(
      records
        .filter((record) => record.value === null)
        .map((record) => record.key)
        .sort(),
    ).toEqual(['payments-mcp/capture', 'search-mcp/query']);
    for (const [i, record] of records.entries()) {
      const previous = records.slice(0, i).findLast((earlier) => earlier.key === record.key);
      expect(record.value, `offset ${record.offset}`).not.toBe(previous?.value ?? null);
    }

    const source = await followTopic(names.decisions);
    const { url } = await serveDecisions(source);
    const whole = await getDecisions(url);
    expect(whole).toEqual({ version: records.length, decisions: expected, nextCursor: null });
    expect(await allPages(url, 1)).toEqual(expected);
    const payments = await getDecisions(`${url}?server=payments-mcp`);
    expect(payments.decisions.map((subject) => subject.key)).toEqual(['payments-mcp', 'payments-mcp/refund']);
    expect((await fetch(url)).status).toBe(401);
  });

  it('an idle follower keeps fetching, which is how the API knows the topic is in reach', async () => {
    const follower = new CompactedTopicFollower({
      kafka,
      topic: names.decisions,
      logger,
      label: 'bwtest-idle-follower',
      onRecord: () => undefined,
    });
    await follower.start();
    cleanup.push(() => follower.stop());
    await follower.caughtUp;
    const first = await waitFor(() => follower.lastFetchAtMs ?? undefined, {
      description: 'a fetch answered',
      timeoutMs: 10_000,
    });
    // Nothing is written meanwhile: only the idle fetches (100 ms each) move the time on.
    await waitFor(() => (follower.lastFetchAtMs ?? 0) >= first + 1000, {
      description: 'idle fetches answered for a second',
      timeoutMs: 5000,
      intervalMs: 20,
    });
  });

  it('an SSE client that reconnects with Last-Event-ID gets exactly the changes it missed', async () => {
    const source = await followTopic(names.decisions);
    const { url } = await serveDecisions(source);
    const first = await SseClient.connect(`${url}/stream`, auth);
    expect(first.status).toBe(200);
    const [snapshot] = await first.waitForMessages(1);
    expect(first.retryMs).toBe(1000);
    expect(snapshot?.event).toBe('snapshot');
    expect(JSON.parse(snapshot?.data ?? '')).toEqual({
      version: source.feed.version,
      decisions: source.feed.current(),
    });

    // A live change arrives as it is written: from the event on the events topic to the SSE
    // client, through the folder, the decisions topic and the API's follower, within a second.
    const publishedAt = performance.now();
    await publisher.publish(
      budgetTransitionEvents({
        rule: 'success-rate',
        server: 'payments-mcp',
        tool: 'refund',
        transition: 'recovered',
        number: 2,
      }),
    );
    const [, live] = await first.waitForMessages(2);
    const endToEndMs = performance.now() - publishedAt;
    console.info(`decision feed: event published to SSE client in ${endToEndMs.toFixed(0)} ms`);
    expect(endToEndMs).toBeLessThan(1000);
    expect(live?.event).toBe('decision');
    expect(JSON.parse(live?.data ?? '')).toMatchObject({ key: 'payments-mcp/refund', decisions: [] });
    await waitFor(() => first.comments > 0, { description: 'a keepalive comment', timeoutMs: 5000 });
    const lastSeen = Number(live?.id);
    first.close();

    // Missed while disconnected: a new breach on one server, a recovery on another.
    const before = source.feed.version;
    await publisher.publish([
      ...budgetTransitionEvents({
        rule: 'success-rate',
        server: 'billing-mcp',
        tool: 'charge',
        transition: 'breached',
        number: 1,
      }),
      ...budgetTransitionEvents({
        rule: 'unexpected-policy-blocks',
        server: 'notes-mcp',
        tool: 'write',
        transition: 'recovered',
        number: 2,
      }),
    ]);
    await waitForFolded(groupId, names.events);
    const records = await readToEnd(names.decisions);
    await waitFor(() => source.feed.version === records.length, {
      description: 'the API at the topic end',
      timeoutMs: 10_000,
    });
    expect(source.feed.version).toBeGreaterThan(before);

    const missed = records.filter((record) => record.offset + 1 > lastSeen);
    const resumed = await SseClient.connect(`${url}/stream`, { ...auth, 'last-event-id': String(lastSeen) });
    const messages = await resumed.waitForMessages(missed.length);
    expect(messages.map((message) => message.event)).toEqual(missed.map(() => 'decision'));
    expect(messages.map((message) => Number(message.id))).toEqual(missed.map((record) => record.offset + 1));
    expect(messages.map((message) => (JSON.parse(message.data) as SubjectDecisions).key)).toEqual(
      missed.map((record) => record.key),
    );
    expect(
      messages.map((message) => (JSON.parse(message.data) as SubjectDecisions).decisions.length === 0),
    ).toEqual(missed.map((record) => record.value === null));
    resumed.close();

    // Versions are offsets: an API started afresh (another process, a restart) resumes the same.
    const restarted = await serveDecisions(await followTopic(names.decisions));
    const again = await SseClient.connect(`${restarted.url}/stream`, {
      ...auth,
      'last-event-id': String(lastSeen),
    });
    expect((await again.waitForMessages(missed.length)).map((message) => [message.id, message.data])).toEqual(
      messages.map((message) => [message.id, message.data]),
    );
    again.close();

    // The same through ?lastEventId= and a server filter: only that server's changes.
    const filtered = await SseClient.connect(`${url}/stream?server=notes-mcp&lastEventId=${lastSeen}`, auth);
    const notes = missed.filter((record) => record.key.startsWith('notes-mcp'));
    expect(notes.length).toBeGreaterThan(0);
    expect((await filtered.waitForMessages(notes.length)).map((message) => Number(message.id))).toEqual(
      notes.map((record) => record.offset + 1),
    );
    filtered.close();
  });

  it('a Last-Event-ID older than the kept changes gets a snapshot; clients beyond the bound get 503', async () => {
    const source = await followTopic(names.decisions, 2);
    const { url, streams } = await serveDecisions(source, { maxClients: 2 });
    const old = await SseClient.connect(`${url}/stream`, { ...auth, 'last-event-id': '1' });
    const [snapshot] = await old.waitForMessages(1);
    expect(snapshot?.event).toBe('snapshot');
    expect(Number(snapshot?.id)).toBe(source.feed.version);
    expect(JSON.parse(snapshot?.data ?? '').decisions).toEqual(source.feed.current());

    const second = await SseClient.connect(`${url}/stream`, auth);
    await second.waitForMessages(1);
    const third = await SseClient.connect(`${url}/stream`, auth);
    expect(third.status).toBe(503);
    second.close();
    await waitFor(() => streams.count < 2, { description: 'the closed stream freed', timeoutMs: 5000 });
    const fourth = await SseClient.connect(`${url}/stream`, auth);
    expect(fourth.status).toBe(200);
    fourth.close();
    old.close();
  });
});

describe('the folder restarted, or replaying events it already wrote', () => {
  it('ends in the same state, and a full replay writes nothing', async () => {
    const names = await decisionTopics('restart');
    const publisher = await publisherOn(names.events);
    const groupId = `bwtest-decisions-restart-${randomUUID().slice(0, 8)}`;
    // Thirty transitions: breaches and recoveries over five tools of two servers, two rules each.
    const transitions: Transition[] = [];
    for (let n = 1; n <= 3; n++) {
      for (const tool of ['a', 'b', 'c', 'd', 'e']) {
        for (const rule of ['success-rate', 'latency-p95']) {
          transitions.push({
            rule,
            server: tool < 'c' ? 'one-mcp' : 'two-mcp',
            tool,
            transition: n % 2 === 1 ? 'breached' : 'recovered',
            number: n,
          });
        }
      }
    }
    const first = await startFolder(names, groupId);
    const half = transitions.length / 2;
    for (const transition of transitions.slice(0, half))
      await publisher.publish(budgetTransitionEvents(transition));
    await waitFor(() => first.metrics.eventsFolded > 0, {
      description: 'the first folder folding',
      timeoutMs: 30_000,
    });
    // Stopped while events are still arriving.
    const rest = (async () => {
      for (const transition of transitions.slice(half))
        await publisher.publish(budgetTransitionEvents(transition));
    })();
    await first.stop();
    const second = await startFolder(names, groupId);
    await rest;
    await waitForFolded(groupId, names.events);
    expect(stateOf(await readToEnd(names.decisions))).toEqual(expectedState(transitions));
    await second.stop();

    // A crash after writing and before committing, at its worst: every event read again.
    const written = await readToEnd(names.decisions);
    await topics.admin.resetOffsets({ groupId, topic: names.events, earliest: true });
    const third = await startFolder(names, groupId);
    cleanup.push(() => third.stop());
    await waitForFolded(groupId, names.events);
    const events: BudgetwatchEvent[] = transitions.flatMap((transition) =>
      budgetTransitionEvents(transition),
    );
    expect(third.metrics.eventsFolded).toBe(events.length);
    expect(third.metrics.recordsWritten).toBe(0);
    expect(await readToEnd(names.decisions)).toEqual(written);
  });
});

describe('a timed lift on Kafka', () => {
  it('survives a folder restart, then ends on time: the freeze its rule still holds is written again', async () => {
    const names = await decisionTopics('lift');
    const publisher = await publisherOn(names.events);
    const groupId = `bwtest-decisions-lift-${randomUUID().slice(0, 8)}`;
    const refund = { server: 'payments-mcp', tool: 'refund' };
    await publisher.publish(
      budgetTransitionEvents({ rule: 'success-rate', ...refund, transition: 'breached', number: 1 }),
    );
    const first = await startFolder(names, groupId);
    const frozenOnTopic = async () =>
      stateOf(await readToEnd(names.decisions)).find((subject) => subject.tool === 'refund');
    await waitFor(async () => (await frozenOnTopic())?.decisions.some((one) => one.kind === 'frozen'), {
      description: 'the freeze on the topic',
      timeoutMs: 30_000,
    });
    const liftMs = 4000;
    const lift = operatorEvent({
      type: 'freeze.lifted',
      subject: refund,
      actor: 'alice',
      reason: 'provider fixed it',
      responder: { fallbackMode: null, killSwitchOwner: null },
      stamp: new OperatorStamps().next(),
      liftMs,
    });
    await publisher.publish([lift]);
    await waitFor(async () => (await frozenOnTopic())?.lifted?.eventId === lift.id, {
      description: 'the lift on the topic',
      timeoutMs: 30_000,
    });
    expect((await frozenOnTopic())?.decisions.map((one) => one.kind)).not.toContain('frozen');

    // A new folder rebuilds from the topic alone: the freeze stays lifted until the lift ends.
    await first.stop();
    const second = await startFolder(names, groupId);
    cleanup.push(() => second.stop());
    await waitFor(() => second.metrics.bootstraps > 0, {
      description: 'the second folder rebuilt, with no event to fold',
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect(second.current().find((subject) => subject.tool === 'refund')?.lifted?.eventId).toBe(lift.id);
    const endsAt = Date.parse(lift.time) + liftMs;
    await waitFor(async () => (await frozenOnTopic())?.lifted === undefined, {
      description: 'the lift ended and its freeze written again',
      timeoutMs: liftMs + 20_000,
      intervalMs: 100,
    });
    expect(Date.now()).toBeGreaterThanOrEqual(endsAt);
    expect((await frozenOnTopic())?.decisions.map((one) => one.kind)).toContain('frozen');
  });
});

describe('decision feeds in embedded mode (the in-process bus)', () => {
  it('GET and the SSE stream serve the folded decisions, and a stream resumes with Last-Event-ID', async () => {
    const bus = new InProcessEventBus();
    const source = new FoldedDecisionSource();
    bus.subscribe(source.take);
    const { url } = await serveDecisions(source);
    for (const transition of TEN_TRANSITIONS) await bus.publish(budgetTransitionEvents(transition));
    const expected = expectedState(TEN_TRANSITIONS);
    const whole = await getDecisions(url);
    expect(whole.decisions).toEqual(expected);
    expect(whole.version).toBe(source.feed.version);

    const client = await SseClient.connect(`${url}/stream`, auth);
    const [snapshot] = await client.waitForMessages(1);
    expect(JSON.parse(snapshot?.data ?? '')).toEqual({ version: whole.version, decisions: expected });
    client.close();
    await bus.publish(
      budgetTransitionEvents({
        rule: 'success-rate',
        server: 'search-mcp',
        tool: 'query',
        transition: 'recovered',
        number: 4,
      }),
    );
    const resumed = await SseClient.connect(`${url}/stream`, {
      ...auth,
      'last-event-id': String(whole.version),
    });
    const [change] = await resumed.waitForMessages(1);
    expect(change).toMatchObject({ event: 'decision', id: String(whole.version + 1) });
    expect(JSON.parse(change?.data ?? '')).toMatchObject({ key: 'search-mcp/query', decisions: [] });
    resumed.close();
  });

  it('a client that stops reading is cut off once its unsent bytes pass the bound; the others go on', async () => {
    const source = new FoldedDecisionSource();
    const streams = new DecisionStreams({ feed: source.feed, maxBufferedBytes: 256 * 1024 });
    const api = new HttpApi({
      routes: decisionRoutes(source, streams),
      tokens: { read: null, write: null, ingest: null },
      logger,
    });
    const port = await api.listen(0, '127.0.0.1');
    cleanup.push(async () => {
      streams.close();
      await api.close();
    });
    // A raw connection that sends its request and never reads a byte.
    const stalled = connect(port, '127.0.0.1');
    await once(stalled, 'connect');
    stalled.pause();
    stalled.write('GET /api/v1/decisions/stream HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const reader = await SseClient.connect(`http://127.0.0.1:${port}/api/v1/decisions/stream`);
    await waitFor(() => streams.count === 2, { description: 'both streams open', timeoutMs: 5000 });
    const big = (n: number): SubjectDecisions => ({
      key: `s${n}`,
      server: `s${n}`,
      tool: null,
      fallbackMode: 'x'.repeat(8 * 1024),
      decisions: [
        {
          kind: 'frozen',
          since: '2026-11-25T12:00:00.000Z',
          causes: [{ rule: 'r', since: '2026-11-25T12:00:00.000Z', eventId: `e${n}` }],
        },
      ],
    });
    // Far more than the socket buffers and the bound: 16 MiB.
    let version = 0;
    while (streams.droppedSlowClients === 0 && version < 2000) {
      version += 1;
      source.feed.record(version, big(version));
      // A turn of the event loop between changes, as changes arrive from the topic.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(streams.droppedSlowClients).toBe(1);
    expect(streams.count).toBe(1);
    const last = version;
    await waitFor(() => reader.messages.at(-1)?.id === String(last), {
      description: 'the reader at the last change',
      timeoutMs: 15_000,
    });
    reader.close();
    stalled.destroy();
  });

  it('sends no keepalive while its source is not live, so clients see the feed go stale', async () => {
    const folded = new FoldedDecisionSource();
    let cut = false;
    const source: DecisionSource = { feed: folded.feed, unavailable: () => (cut ? 'cut off' : null) };
    // Heartbeats by hand: the timer's would come only after a minute.
    const streams = new DecisionStreams({ feed: source.feed, heartbeatMs: 60_000, live: () => !cut });
    const api = new HttpApi({
      routes: decisionRoutes(source, streams),
      tokens: { read: null, write: null, ingest: null },
      logger,
    });
    const port = await api.listen(0, '127.0.0.1');
    cleanup.push(async () => {
      streams.close();
      await api.close();
    });
    const client = await SseClient.connect(`http://127.0.0.1:${port}/api/v1/decisions/stream`);
    await client.waitForMessages(1);
    streams.sendKeepalive();
    await waitFor(() => client.comments === 1, { description: 'a keepalive', timeoutMs: 5000 });
    cut = true;
    streams.sendKeepalive();
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/decisions`)).status).toBe(503);
    cut = false;
    streams.sendKeepalive();
    // A change after it: bytes arrive in order, so once it is read every comment before it is.
    for (const event of budgetTransitionEvents({ transition: 'breached', number: 1 }))
      await folded.take(event);
    await client.waitForMessages(2);
    expect(client.comments).toBe(2);
    client.close();
  });

  it('the API closes at once with streams open: they end, and their clients see the end', async () => {
    const source = new FoldedDecisionSource();
    const streams = new DecisionStreams({ feed: source.feed });
    const api = new HttpApi({
      routes: decisionRoutes(source, streams),
      tokens: { read: null, write: null, ingest: null },
      logger,
    });
    const port = await api.listen(0, '127.0.0.1');
    const client = await SseClient.connect(`http://127.0.0.1:${port}/api/v1/decisions/stream`);
    await client.waitForMessages(1);
    const started = performance.now();
    await api.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await waitFor(() => client.closed, { description: 'the client to see the stream end', timeoutMs: 5000 });
    streams.close();
  });
});

/** `budgetwatch start` on Kafka and Redis: spans in, a rule firing, its decision out of every feed. */
describe('decision feeds through budgetwatch start on Kafka and Redis', () => {
  it('a failing tool freezes it, and the freeze reaches the SSE stream, GET and the topic', async () => {
    const suffix = randomUUID().slice(0, 8);
    const decisionsTopic = await topics.create('start-decisions', {
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    });
    const instance = await startBudgetwatch(['start'], {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_SPAN_TOPICS: await topics.create('start-spans'),
      BUDGETWATCH_DLQ_TOPIC: await topics.create('start-dlq'),
      BUDGETWATCH_EVENTS_TOPIC: await topics.create('start-events'),
      BUDGETWATCH_DECISIONS_TOPIC: decisionsTopic,
      BUDGETWATCH_INGEST_GROUP_ID: `bwtest-feeds-start-${suffix}`,
      BUDGETWATCH_NOTIFIER_GROUP_ID: `bwtest-feeds-start-notifier-${suffix}`,
      BUDGETWATCH_DECISIONS_GROUP_ID: `bwtest-feeds-start-decisions-${suffix}`,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
    });
    cleanup.push(() => instance.stop());
    const stream = await waitFor(
      async () => {
        const client = await SseClient.connect(`${instance.apiUrl}/api/v1/decisions/stream?server=feeds-mcp`);
        return client.status === 200 ? client : undefined;
      },
      { description: 'the decision stream', timeoutMs: 30_000 },
    );
    cleanup.push(async () => stream.close());
    const [snapshot] = await stream.waitForMessages(1);
    expect(JSON.parse(snapshot?.data ?? '')).toEqual({ version: 0, decisions: [] });

    // 90% success over 80 calls: under the playbook's 97%, on the tool and on the server.
    await recordAgentCalls(new OTLPTraceExporter({ url: instance.intakeUrl }), {
      server: 'feeds-mcp',
      tool: 'fetch',
      count: 80,
      failing: 8,
    });
    const frozenKeys = () =>
      stream.messages
        .filter((message) => message.event === 'decision')
        .map((message) => JSON.parse(message.data) as SubjectDecisions)
        .filter((subject) => subject.decisions.some((decision) => decision.kind === 'frozen'))
        .map((subject) => subject.key);
    await waitFor(() => frozenKeys().includes('feeds-mcp/fetch') && frozenKeys().includes('feeds-mcp'), {
      description: 'the freezes on the stream',
      timeoutMs: 45_000,
    });
    const answer = await instance.getJson<{ version: number; decisions: SubjectDecisions[] }>(
      '/api/v1/decisions?server=feeds-mcp',
    );
    expect(answer.decisions.map((subject) => subject.key)).toEqual(['feeds-mcp', 'feeds-mcp/fetch']);
    const cause = answer.decisions[1]?.decisions.find((decision) => decision.kind === 'frozen')?.causes[0];
    expect(cause?.rule).toBe('success-rate');
    expect(stateOf(await readToEnd(decisionsTopic))).toEqual(answer.decisions);
    // SIGTERM with the stream open: the stream ends and the process exits cleanly.
    expect(await instance.stop()).toBe(0);
    await waitFor(() => stream.closed, { description: 'the stream to end', timeoutMs: 5000 });
  }, 90_000);
});
