/**
 * `budgetwatch drill credential-compromise --kill-switch` against `budgetwatch start` on Kafka and
 * Redis: the drill engages the server's real kill switch through the API, a guard following the
 * API's decision stream blocks a call with it, the drill releases it, and the pass is recorded as
 * the kill switch's test. A refused engage fails the drill and leaves nothing engaged.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisDrillResults } from '@budgetwatch/drills';
import type { BudgetwatchEvent, SubjectDecisions } from '@budgetwatch/events';
import { waitFor } from '@budgetwatch/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BudgetwatchInstance, startBudgetwatch } from '../support/budgetwatch-instance.js';
import { budgetwatchInProcess, spawnBudgetwatch } from '../support/cli.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';

const topics = useTopics();
const namespace = await useRedisNamespace('drill-kill-switch');
/** The history of a second API, whose kill switch events no decision folder reads. */
const unfoldedNamespace = await useRedisNamespace('drill-kill-switch-unfolded');
const WRITE_TOKEN = 'drill-write-token-0123456789';
const READ_TOKEN = 'drill-read-token-0123456789';
const SERVER = 'orders-mcp';
const dir = mkdtempSync(join(tmpdir(), 'bw-drill-kill-switch-'));

/** A Tier 2 server that passes every check except its kill switch, which was never tested. */
const INVENTORY_FILE = join(dir, 'inventory.yaml');
writeFileSync(
  INVENTORY_FILE,
  `servers:
  - id: ${SERVER}
    owner: { team: orders, email: null, slackChannel: "#orders" }
    tier: 2
    dataSensitivity: confidential
    writeCapability: full
    auth: { mode: oauth, scopes: ["orders:write"] }
    sharedAdminCredentials: false
    credentialsSeparated: true
    killSwitch: { owner: carol }
    fallbackMode: queue orders
    maxBlastRadius: one shop's orders
    recoveryChecklist: [freeze writes, drain the queue]
`,
);

interface Check {
  name: string;
  passed: boolean;
  detail: string;
}
interface Report {
  runId: string;
  passed: boolean;
  checks: Check[];
  recordedTestAt: string | null;
  killSwitch: {
    verified: boolean;
    engagedEventId: string | null;
    releasedEventId: string | null;
    enforceMs: number | null;
    releaseMs: number | null;
  } | null;
}

describe('the credential-compromise drill with --kill-switch, against budgetwatch start', () => {
  let instance: BudgetwatchInstance;
  let env: Record<string, string> = {};
  const drills = new RedisDrillResults(namespace.client, namespace.prefix);

  beforeAll(async () => {
    const suffix = namespace.prefix.replace(/[^a-z0-9]/gi, '');
    env = {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_SPAN_TOPICS: await topics.create('drill-ks-spans', { partitions: 2 }),
      BUDGETWATCH_EVENTS_TOPIC: await topics.create('drill-ks-events', { partitions: 2 }),
      BUDGETWATCH_DLQ_TOPIC: await topics.create('drill-ks-dlq'),
      BUDGETWATCH_DECISIONS_TOPIC: await topics.create('drill-ks-decisions', {
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      }),
      BUDGETWATCH_INVENTORY: INVENTORY_FILE,
      BUDGETWATCH_API_READ_TOKEN: READ_TOKEN,
    };
    instance = await startBudgetwatch(['start'], {
      ...env,
      BUDGETWATCH_API_TOKEN: WRITE_TOKEN,
      BUDGETWATCH_INGEST_GROUP_ID: `bwtest-drill-ks-${suffix}`,
      BUDGETWATCH_NOTIFIER_GROUP_ID: `bwtest-drill-ks-notifier-${suffix}`,
      BUDGETWATCH_DECISIONS_GROUP_ID: `bwtest-drill-ks-decisions-${suffix}`,
      BUDGETWATCH_INGEST_SESSION_TIMEOUT_MS: '6000',
    });
  }, 90_000);

  afterAll(async () => {
    await instance?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const drill = async (token: string) => {
    const result = await budgetwatchInProcess(
      [
        'drill',
        'credential-compromise',
        '--server',
        SERVER,
        '--kill-switch',
        '--api',
        instance.apiUrl,
        '--no-notify',
        '--timeout',
        '60s',
        '--json',
      ],
      { ...env, BUDGETWATCH_API_TOKEN: token },
    );
    const report = JSON.parse(result.output.slice(result.output.indexOf('{"scenario"'))) as Report;
    return { code: result.code, report, output: result.output };
  };
  /** The drill as a process of its own (signals reach it), on `apiUrl`, with its output collected. */
  const spawnDrill = (apiUrl: string, extraEnv: Record<string, string> = {}) => {
    const child = spawnBudgetwatch(
      [
        'drill',
        'credential-compromise',
        '--server',
        SERVER,
        '--kill-switch',
        '--api',
        apiUrl,
        '--no-notify',
        '--timeout',
        '10m',
        '--json',
      ],
      { ...env, ...extraEnv, BUDGETWATCH_API_TOKEN: WRITE_TOKEN },
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return {
      process: child,
      stderr: () => stderr,
      report: () => JSON.parse(stdout.slice(stdout.indexOf('{"scenario"'))) as Report,
    };
  };
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${instance.apiUrl}${path}`, {
      headers: { authorization: `Bearer ${READ_TOKEN}` },
    });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  const killSwitchEvents = async () =>
    (await api<{ events: BudgetwatchEvent[] }>(`/api/v1/events?server=${SERVER}&limit=1000`)).events.filter(
      (event) => event.type.startsWith('budgetwatch.killswitch.'),
    );
  const decisionsOnServer = async () =>
    (await api<{ decisions: SubjectDecisions[] }>(`/api/v1/decisions?server=${SERVER}`)).decisions;

  it('an engage refused (wrong token) fails the drill with a clear check and leaves nothing engaged', async () => {
    const { code, report, output } = await drill('wrong-write-token-0123456789');
    expect(code, output).toBe(1);
    expect(report.passed).toBe(false);
    expect(report.checks.map((check) => `${check.passed} ${check.name}`)).toEqual([
      'true budget.breached unexpected-policy-blocks',
      'false kill switch engaged',
    ]);
    expect(report.checks[1]?.detail).toBe(
      'the API refused (401): a valid bearer token is required (check BUDGETWATCH_API_TOKEN); nothing engaged',
    );
    expect(report.killSwitch).toEqual({
      verified: false,
      engagedEventId: null,
      releasedEventId: null,
      enforceMs: null,
      releaseMs: null,
    });
    expect(report.recordedTestAt).toBeNull();
    expect((await drills.lastPasses()).get(SERVER)).toBeUndefined();
    expect(await killSwitchEvents()).toEqual([]);
    expect(await decisionsOnServer()).toEqual([]);
    const check = await budgetwatchInProcess(['inventory', 'check'], env);
    expect(check.code, check.output).toBe(1);
    expect(check.output).toContain('tier2-kill-switch-tested');
  });

  it('passes with the kill switch engaged, enforced on a guarded call within 5 s, released, and recorded as its test', async () => {
    const { code, report, output } = await drill(WRITE_TOKEN);
    expect(code, output).toBe(0);
    expect(report.checks.map((check) => `${check.passed} ${check.name}`)).toEqual([
      'true budget.breached unexpected-policy-blocks',
      'true kill switch engaged',
      'true kill switch enforced',
      'true kill switch released',
    ]);
    const killSwitch = report.killSwitch;
    expect(killSwitch?.verified).toBe(true);
    expect(killSwitch?.enforceMs).toBeGreaterThan(0);
    expect(killSwitch?.enforceMs).toBeLessThan(5_000);
    expect(killSwitch?.releaseMs).toBeLessThan(5_000);
    console.info(
      `kill switch drill: enforced ${killSwitch?.enforceMs} ms after the engage, calls flowed ${killSwitch?.releaseMs} ms after the release`,
    );

    // Both operator events are in the history, as the drill's, real (not drill-marked) actions.
    const events = await killSwitchEvents();
    expect(events.map((event) => [event.type, event.id]).reverse()).toEqual([
      ['budgetwatch.killswitch.engaged', killSwitch?.engagedEventId],
      ['budgetwatch.killswitch.released', killSwitch?.releasedEventId],
    ]);
    for (const event of events) {
      expect(event.data).toMatchObject({
        server: SERVER,
        drill: false,
        actor: `drill ${report.runId}`,
        reason: `credential-compromise drill ${report.runId}: rehearsing the kill switch, released when the drill ends`,
      });
    }
    // Nothing is left engaged.
    expect(await decisionsOnServer()).toEqual([]);

    // Recorded as the kill switch's test: the inventory check's finding is gone.
    expect((await drills.lastPasses()).get(SERVER)).toEqual({
      scenario: 'credential-compromise',
      runId: report.runId,
      passedAt: report.recordedTestAt,
      killSwitchVerified: true,
    });
    const check = await budgetwatchInProcess(['inventory', 'check'], env);
    expect(check.code, check.output).toBe(0);
    expect(check.output).not.toContain('tier2-kill-switch-tested');
  });

  it('SIGINT while the drill waits for the breach ends it at once, as a failure, with nothing engaged', async () => {
    // An events topic no evaluator writes to: the breach never comes, so the drill waits.
    const silentEvents = await topics.create('drill-ks-silent-events');
    const child = spawnDrill(instance.apiUrl, { BUDGETWATCH_EVENTS_TOPIC: silentEvents });
    const exited = once(child.process, 'exit') as Promise<[number | null, string | null]>;
    try {
      await waitFor(() => child.stderr().includes('unexpected-policy-blocks: waiting for the breach'), {
        description: 'the drill to wait for the breach',
        timeoutMs: 60_000,
      });
      const interruptedAt = performance.now();
      child.process.kill('SIGINT');
      const [code] = await exited;
      expect(performance.now() - interruptedAt).toBeLessThan(5_000);
      expect(code, child.stderr()).toBe(1);
      const report = child.report();
      expect(report.checks).toEqual([
        expect.objectContaining({
          name: 'budget.breached unexpected-policy-blocks',
          passed: false,
          detail: 'interrupted before the breach was detected',
        }),
        expect.objectContaining({
          name: 'kill switch engaged',
          passed: false,
          detail: 'not engaged: the drill engages it only once the breach is detected',
        }),
      ]);
      expect(report.recordedTestAt).toBeNull();
      expect(await decisionsOnServer()).toEqual([]);
    } finally {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    }
  });

  it('SIGINT while the kill switch is engaged: the drill releases it before it exits', async () => {
    // A second API on events and decisions topics no decision folder reads: the engage is
    // published and audited but never reaches a guard, so the drill waits for it (5 s at most).
    const unfolded = await startBudgetwatch(['api'], {
      ...env,
      REDIS_KEY_PREFIX: unfoldedNamespace.prefix,
      BUDGETWATCH_EVENTS_TOPIC: await topics.create('drill-ks-unfolded-events'),
      BUDGETWATCH_DECISIONS_TOPIC: await topics.create('drill-ks-unfolded-decisions', {
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      }),
      BUDGETWATCH_API_TOKEN: WRITE_TOKEN,
    });
    const child = spawnDrill(unfolded.apiUrl);
    const exited = once(child.process, 'exit') as Promise<[number | null, string | null]>;
    const history = async () => {
      const response = await fetch(`${unfolded.apiUrl}/api/v1/events?server=${SERVER}`, {
        headers: { authorization: `Bearer ${READ_TOKEN}` },
      });
      return ((await response.json()) as { events: BudgetwatchEvent[] }).events;
    };
    try {
      const [engaged] = await waitFor(
        async () => {
          const events = await history();
          return events.length > 0 ? events : undefined;
        },
        { description: 'the drill to engage the kill switch', timeoutMs: 60_000, intervalMs: 50 },
      );
      expect(engaged?.type).toBe('budgetwatch.killswitch.engaged');
      child.process.kill('SIGINT');
      const [code] = await exited;
      expect(code, child.stderr()).toBe(1);
      const report = child.report();
      expect(report.checks.slice(1)).toEqual([
        expect.objectContaining({ name: 'kill switch engaged', passed: true }),
        expect.objectContaining({
          name: 'kill switch enforced',
          passed: false,
          detail: 'interrupted before a guard saw the kill switch',
        }),
        // This API's guard never saw it engaged, so it sees it released at once.
        expect.objectContaining({ name: 'kill switch released', passed: true }),
      ]);
      const events = await history();
      expect(events.map((event) => [event.type, event.id]).reverse()).toEqual([
        ['budgetwatch.killswitch.engaged', report.killSwitch?.engagedEventId],
        ['budgetwatch.killswitch.released', report.killSwitch?.releasedEventId],
      ]);
      expect(events[0]?.data).toMatchObject({ actor: `drill ${report.runId}`, drill: false });
      expect(report.recordedTestAt).toBeNull();
    } finally {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
      await unfolded.stop();
    }
  });

  it('refuses --kill-switch for a drill the kill switch does not answer, with exit code 2', async () => {
    const result = await budgetwatchInProcess(['drill', 'latency', '--server', SERVER, '--kill-switch'], env);
    expect(result.code).toBe(2);
    expect(result.output).toContain(
      '--kill-switch rehearses the answer to a credential compromise: the latency drill does not engage it',
    );
  });
});
