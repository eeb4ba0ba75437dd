/**
 * The enforcement loop end to end (issue 18's acceptance): `budgetwatch start` with a policy of
 * short windows, a switchable MCP server and its backup, and agents whose calls go through the
 * guard (the library, or `budgetwatch guard-proxy`) and are reported by the real OTel SDK to the
 * intake. Helpers shared by test/integration/enforcement-loop-*.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WindowSummary } from '@budgetwatch/domain';
import { type BudgetwatchEvent, isOperatorEvent } from '@budgetwatch/events';
import {
  type GuardOptions,
  guardClient,
  SseDecisionFeed,
  type SubjectDecisions,
} from '@budgetwatch/mcp-guard';
import { type TestTopicOptions, WaitAbortedError, waitFor } from '@budgetwatch/testkit';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { stringify } from 'yaml';
import { type BudgetwatchInstance, startBudgetwatch } from './budgetwatch-instance.js';
import { budgetwatchInProcess, spawnBudgetwatch } from './cli.js';
import { inventoryEntry } from './inventory-entries.js';
import { type SwitchableMcpServer, startSwitchableMcpServer } from './switchable-mcp-server.js';

export const WRITE_TOKEN = 'enforcement-loop-write-token';
export const TOOL = 'charge';

/**
 * The shortest loop the configuration allows. A window is read from one-minute buckets, the
 * current one included, so `1m` (like `1s`, the shortest the schema accepts) is the current
 * minute's bucket: a failure spell fires within it, and probes' successes recover it. The rule
 * fires under 50% success once 4 calls were served, and resolves at 50% again. Where the minute
 * turns does not matter: an emptied window keeps a breach open until enough calls recover it.
 * The windows the tests check are read over an hour, which holds every call of a test.
 */
export const LOOP_POLICY = {
  rules: [
    {
      id: 'success-rate',
      description: 'e2e: under 50% success over the current minute',
      metric: 'success_rate',
      window: '1m',
      comparator: '<',
      threshold: 0.5,
      resolveThreshold: 0.5,
      minCalls: 4,
      scopes: ['tool', 'server'],
      actions: ['freeze-traffic'],
    },
  ],
};

/**
 * A policy file and an inventory listing `servers` (the kill switch needs them listed), removed
 * after. `scopes: ['tool']` freezes the tool only, so one lift ends the freeze.
 */
export function loopFiles(
  servers: readonly string[],
  scopes: ReadonlyArray<'tool' | 'server'> = ['tool', 'server'],
): { policy: string; inventory: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'bw-enforcement-loop-'));
  const policy = join(dir, 'policy.yaml');
  const inventory = join(dir, 'inventory.yaml');
  writeFileSync(policy, stringify({ rules: LOOP_POLICY.rules.map((rule) => ({ ...rule, scopes })) }));
  writeFileSync(
    inventory,
    stringify({
      servers: servers.map((id) => ({ ...inventoryEntry(id, 2, `${id}.internal`), fallbackMode: 'backup' })),
    }),
  );
  return { policy, inventory, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of a `budgetwatch start` running the loop: evaluator sweep at its minimum, short heartbeats. */
export function loopEnvironment(files: { policy: string; inventory: string }): Record<string, string> {
  return {
    BUDGETWATCH_POLICY: files.policy,
    BUDGETWATCH_INVENTORY: files.inventory,
    BUDGETWATCH_EVALUATOR_SWEEP_INTERVAL_MS: '1000',
    BUDGETWATCH_DECISION_STREAM_HEARTBEAT_MS: '500',
    BUDGETWATCH_API_TOKEN: WRITE_TOKEN,
    BUDGETWATCH_OTLP_GRPC_ENABLED: 'false',
  };
}

/** What an agent saw of one call: the tool's answer (ok or isError), or the backup's (the fallback). */
export type Seen = 'ok' | 'error' | 'fallback';

/** The calls an agent made, by what it saw, to hold the windows to. */
export class Tally {
  readonly counts: Record<Seen, number> = { ok: 0, error: 0, fallback: 0 };

  constructor(
    private readonly server: string,
    private readonly backup: string,
  ) {}

  /** Classifies a result by its text (each server names itself) and counts it. */
  see(result: object): Seen {
    const content = 'content' in result ? (result.content as Array<{ text?: string }>) : [];
    const text = content[0]?.text ?? '';
    let seen: Seen;
    if (text === `${this.server}: charged`) seen = 'ok';
    else if (text === `${this.server}: the backend refused`) seen = 'error';
    else if (text === `${this.backup}: charged`) seen = 'fallback';
    // Ends any wait at once: an answer from nowhere expected is a failure, not a state to wait out.
    else throw new WaitAbortedError(`an answer from nowhere expected: ${JSON.stringify(result)}`);
    this.counts[seen] += 1;
    return seen;
  }

  get calls(): number {
    return this.counts.ok + this.counts.error + this.counts.fallback;
  }

  /** The window the pipeline must hold for these calls, exactly. */
  expectedWindow(): Pick<WindowSummary, 'calls' | 'served' | 'errors' | 'blockedExpected' | 'fallbacks'> {
    return {
      calls: this.calls,
      served: this.counts.ok + this.counts.error,
      errors: this.counts.error,
      blockedExpected: this.counts.fallback,
      fallbacks: this.counts.fallback,
    };
  }
}

/** One series' window over the last hour (all of a test's calls), read through the API. */
export async function windowOf(
  instance: BudgetwatchInstance,
  server: string,
  tool: string | null,
): Promise<WindowSummary> {
  const query = new URLSearchParams({ server, window: '1h', ...(tool === null ? {} : { tool }) });
  return (await instance.getJson<{ window: WindowSummary }>(`/api/v1/windows?${query}`)).window;
}

/** Waits until the tool's window and the server's rollup hold `calls` calls, then returns both. */
export async function windowsWith(
  instance: BudgetwatchInstance,
  server: string,
  calls: number,
): Promise<{ tool: WindowSummary; server: WindowSummary }> {
  return waitFor(
    async () => {
      const tool = await windowOf(instance, server, TOOL);
      const rollup = await windowOf(instance, server, null);
      return tool.calls >= calls && rollup.calls >= calls ? { tool, server: rollup } : undefined;
    },
    { description: `${calls} calls of ${server} in the windows`, timeoutMs: 20_000, intervalMs: 100 },
  );
}

/** The decision kinds in force on `key`, as the API's GET answers them now. */
export async function kindsOn(instance: BudgetwatchInstance, server: string, key: string): Promise<string[]> {
  const answer = await instance.getJson<{ decisions: SubjectDecisions[] }>(
    `/api/v1/decisions?server=${encodeURIComponent(server)}`,
  );
  return answer.decisions.find((subject) => subject.key === key)?.decisions.map((d) => d.kind) ?? [];
}

export async function connectClient(url: string, name = 'e2e-agent'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/**
 * The OTel SDK of an agent: spans exported by OTLP/HTTP to the intake as a batch every 50 ms, and
 * kept in memory for the test to read the guard's attributes.
 */
export function agentTelemetry(intakeUrl: string) {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': `e2e-agent-${randomUUID().slice(0, 8)}` }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: intakeUrl }),
        scheduledDelayMillis: 50,
      }),
      new SimpleSpanProcessor({ exporter: memory }),
    ],
  });
  return { provider, memory, tracer: provider.getTracer('e2e-agent') };
}

/**
 * An agent on `tool` guarded by @budgetwatch/mcp-guard, following the API's SSE stream, with
 * `backup`'s same tool as its fallback and its spans sent to the intake.
 */
export async function guardedAgent(
  instance: BudgetwatchInstance,
  tool: SwitchableMcpServer,
  backup: SwitchableMcpServer,
  options: Partial<GuardOptions> = {},
) {
  const feed = new SseDecisionFeed({ apiUrl: instance.apiUrl, server: tool.name, maxBackoffMs: 200 });
  await feed.whenSynced(10_000);
  const telemetry = agentTelemetry(instance.intakeUrl);
  const backupClient = await connectClient(backup.url, 'e2e-agent-fallback');
  const toolClient = await connectClient(tool.url);
  const client = guardClient(toolClient, {
    server: tool.name,
    feed,
    tracer: telemetry.tracer,
    fallback: { client: backupClient },
    ...options,
  });
  return {
    client,
    feed,
    memory: telemetry.memory,
    call: () => client.callTool({ name: TOOL, arguments: {} }),
    async close() {
      await telemetry.provider.forceFlush();
      await telemetry.provider.shutdown();
      await feed.close();
      await toolClient.close();
      await backupClient.close();
    },
  };
}

/** Whether `frozen` holds on the server or on its tool, in a guard's feed. */
export function frozenIn(
  feed: { subject(server: string, tool: string | null): SubjectDecisions | undefined },
  server: string,
): boolean {
  return [feed.subject(server, null), feed.subject(server, TOOL)].some(
    (subject) => subject?.decisions.some((decision) => decision.kind === 'frozen') === true,
  );
}

/** A `budgetwatch guard-proxy` process in front of `upstreams`, following the API and reporting to its intake. */
export async function startProxy(
  instance: BudgetwatchInstance,
  upstreams: readonly SwitchableMcpServer[],
  flags: readonly string[],
): Promise<{ urlOf(server: string): string; output(): string; stop(): Promise<void> }> {
  const child = spawnBudgetwatch(
    [
      'guard-proxy',
      ...upstreams.flatMap((upstream) => ['--upstream', `${upstream.name}=${upstream.url}`]),
      '--api',
      instance.apiUrl,
      '--otlp-url',
      instance.intakeUrl,
      '--port',
      '0',
      ...flags,
    ],
    { BUDGETWATCH_LOG_LEVEL: 'warn' },
  );
  let output = '';
  const take = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = await waitFor(
    () => {
      if (child.exitCode !== null)
        throw new WaitAbortedError(`guard-proxy exited ${child.exitCode}: ${output}`);
      return /guard-proxy: (http:\/\/[^/\s]+)\/mcp\//.exec(output)?.[1];
    },
    { description: 'the proxy to listen', timeoutMs: 30_000 },
  );
  return {
    urlOf: (server) => `${base}/mcp/${server}`,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The environment that runs `budgetwatch start` on the test Kafka and Redis, on topics and groups of its own. */
export async function connectedEnvironment(
  topics: { create(label: string, options?: TestTopicOptions): Promise<string> },
  redisKeyPrefix: string,
  label: string,
): Promise<Record<string, string>> {
  const group = `bwtest-${label}-${randomUUID().slice(0, 8)}`;
  return {
    KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
    REDIS_URL: inject('testBed').redisUrl,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    BUDGETWATCH_SPAN_TOPICS: await topics.create(`${label}-spans`),
    BUDGETWATCH_DLQ_TOPIC: await topics.create(`${label}-dlq`),
    BUDGETWATCH_EVENTS_TOPIC: await topics.create(`${label}-events`),
    BUDGETWATCH_DECISIONS_TOPIC: await topics.create(`${label}-decisions`, {
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    }),
    BUDGETWATCH_INGEST_GROUP_ID: group,
    BUDGETWATCH_NOTIFIER_GROUP_ID: `${group}-notifier`,
    BUDGETWATCH_DECISIONS_GROUP_ID: `${group}-decisions`,
    BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
  };
}

/**
 * Calls every `intervalMs` until a call is answered `wanted`; returns the time from `since` (a
 * `performance.now()`) to that answer.
 */
export async function untilSeen(
  tally: Tally,
  call: () => Promise<object>,
  wanted: Seen,
  since: number,
  intervalMs = 20,
): Promise<number> {
  await waitFor(async () => tally.see(await call()) === wanted, {
    description: `a call answered ${wanted === 'fallback' ? 'by the backup' : wanted}`,
    timeoutMs: 30_000,
    intervalMs,
  });
  return performance.now() - since;
}

/**
 * The loop as an agent lives it, calling `call` (a guarded charge) as it goes: three calls
 * answered, then the tool fails until a call is routed to the backup (the rule fired and the
 * guard heard it), then the tool heals and the agent calls on until five calls in a row reach
 * the tool (probes alone come one per interval, so five in a row mean the freeze is gone).
 * Returns how long enforcement and recovery took.
 */
export async function driveLoop(
  tool: SwitchableMcpServer,
  tally: Tally,
  call: () => Promise<object>,
): Promise<{ enforceMs: number; recoverMs: number }> {
  for (let i = 0; i < 3; i++) expect(tally.see(await call())).toBe('ok');
  tool.failing = true;
  const enforceMs = await untilSeen(tally, call, 'fallback', performance.now(), 100);
  tool.failing = false;
  const healedAt = performance.now();
  let streak = 0;
  await waitFor(
    async () => {
      streak = tally.see(await call()) === 'ok' ? streak + 1 : 0;
      return streak >= 5;
    },
    { description: 'five calls in a row to reach the healed tool', timeoutMs: 40_000, intervalMs: 50 },
  );
  const recoverMs = performance.now() - healedAt;
  console.info(
    `enforcement loop: failing to first fallback ${enforceMs.toFixed(0)} ms, healed to flowing ${recoverMs.toFixed(0)} ms; calls ${JSON.stringify(tally.counts)}`,
  );
  return { enforceMs, recoverMs };
}

/**
 * After a loop: every call the agent made is one call in the windows of the tool and the server,
 * exactly, each fallback an activation; the rule's own transitions froze and unfroze the tool,
 * no operator acted, and nothing is in force any more.
 */
export async function expectLoopRecorded(instance: BudgetwatchInstance, server: string, tally: Tally) {
  const windows = await windowsWith(instance, server, tally.calls);
  expect(windows.tool).toMatchObject(tally.expectedWindow());
  expect(windows.server).toMatchObject(tally.expectedWindow());
  const { events } = await instance.getJson<{ events: BudgetwatchEvent[] }>(
    `/api/v1/events?server=${encodeURIComponent(server)}&limit=50`,
  );
  // The history is newest first; one spell of failure is one freeze and one unfreeze.
  const onTool = events
    .filter((event) => event.type.startsWith('budgetwatch.traffic.') && event.data.tool === TOOL)
    .map((event) => event.type)
    .reverse();
  expect(onTool).toEqual(['budgetwatch.traffic.frozen', 'budgetwatch.traffic.unfrozen']);
  expect(events.filter(isOperatorEvent)).toEqual([]);
  expect(await kindsOn(instance, server, `${server}/${TOOL}`)).toEqual([]);
}

/** Runs an operator command of the CLI against the API, as ana with the write token; returns the id of the event it published. */
export async function operate(instance: BudgetwatchInstance, args: string[]): Promise<string> {
  const result = await budgetwatchInProcess([...args, '--actor', 'ana', '--json', '--api', instance.apiUrl], {
    BUDGETWATCH_API_TOKEN: WRITE_TOKEN,
  });
  expect(result.code, result.output).toBe(0);
  return (JSON.parse(result.output) as { eventId: string }).eventId;
}

/** What a loop test runs against: the server under test, its backup, and Budgetwatch. */
export interface LoopBed {
  readonly tool: SwitchableMcpServer;
  readonly backup: SwitchableMcpServer;
  readonly instance: BudgetwatchInstance;
}

/**
 * Starts, before the file's tests, a switchable MCP server `server`, its backup, and `budgetwatch
 * start` with the loop's policy and inventory plus `environment` (Kafka and Redis, or nothing:
 * embedded defaults); stops them all after.
 */
export function useLoopBed(
  server: string,
  backupServer: string,
  environment: () => Promise<Record<string, string>> = async () => ({}),
): LoopBed {
  const files = loopFiles([server, backupServer]);
  const bed: { tool?: SwitchableMcpServer; backup?: SwitchableMcpServer; instance?: BudgetwatchInstance } =
    {};
  beforeAll(async () => {
    bed.tool = await startSwitchableMcpServer(server);
    bed.backup = await startSwitchableMcpServer(backupServer);
    bed.instance = await startBudgetwatch(['start'], { ...loopEnvironment(files), ...(await environment()) });
  });
  afterAll(async () => {
    await bed.instance?.stop();
    await bed.tool?.close();
    await bed.backup?.close();
    files.remove();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the loop bed is used before beforeAll ran');
    return value;
  };
  return {
    get tool() {
      return started(bed.tool);
    },
    get backup() {
      return started(bed.backup);
    },
    get instance() {
      return started(bed.instance);
    },
  };
}
