import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '@budgetwatch/config';
import { DEFAULT_POLICY, inventoryResolver } from '@budgetwatch/domain';
import { RedisDrillResults } from '@budgetwatch/drills';
import { Evaluator, KafkaEventPublisher, RedisRuleStateStore } from '@budgetwatch/evaluator';
import { createLogger } from '@budgetwatch/logger';
import { Notifier, RedisNotifierStore, RedisSilenceStore, SlackSink } from '@budgetwatch/notifier';
import { freeLoopbackPort, waitFor } from '@budgetwatch/testkit';
import { WindowReader } from '@budgetwatch/window-store';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { budgetwatchInProcess, spawnBudgetwatch } from '../support/cli.js';
import { TEST_THRESHOLDS_MS, useIngestWorkers } from '../support/ingest.js';
import { testKafka, useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { SlackStandIn } from '../support/slack-stand-in.js';

const topics = useTopics();
const namespace = await useRedisNamespace('drills');
const logger = createLogger({ name: 'test-drills', level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'bw-drills-'));
const slack = new SlackStandIn();

/** A Tier 2 server that passes every check except its kill switch, which was never tested. */
const INVENTORY_FILE = join(dir, 'inventory.yaml');
writeFileSync(
  INVENTORY_FILE,
  `servers:
  - id: orders-mcp
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

describe('budgetwatch drill against the running pipeline', () => {
  const workers = useIngestWorkers(namespace);
  let evaluator: Evaluator;
  let notifier: Notifier;
  let env: Record<string, string> = {};

  beforeAll(async () => {
    const spanTopic = await topics.create('drill-spans', { partitions: 2 });
    const eventsTopic = await topics.create('drill-events', { partitions: 2 });
    const deadLetterTopic = await topics.create('drill-dlq');
    const { inventory } = loadInventory({ file: INVENTORY_FILE });
    await workers.start(
      { spanTopic, deadLetterTopic },
      { commitIntervalMs: 200, fetchMaxWaitMs: 100, resolveInventory: inventoryResolver(inventory) },
    );
    const drills = new RedisDrillResults(namespace.client, namespace.prefix);
    evaluator = new Evaluator({
      policy: DEFAULT_POLICY,
      windows: new WindowReader(workers.store, TEST_THRESHOLDS_MS),
      store: workers.store,
      states: new RedisRuleStateStore(namespace.client, namespace.prefix),
      publisher: new KafkaEventPublisher(testKafka('evaluator'), eventsTopic),
      logger,
      crs: { inventory, scoring: DEFAULT_POLICY.crs, killSwitchMaxAgeDays: 30 },
      drillPasses: () => drills.passTimes(),
      sweepIntervalMs: 2000,
      dirtyPollMs: 100,
    });
    evaluator.start();
    await slack.start();
    notifier = new Notifier({
      kafka: testKafka('notifier'),
      eventsTopic,
      deadLetterTopic,
      groupId: `bwtest-drill-notifier-${randomUUID()}`,
      commitIntervalMs: 500,
      dispatchPollMs: 100,
      fetchMaxWaitMs: 100,
      store: new RedisNotifierStore(namespace.client, namespace.prefix),
      silences: new RedisSilenceStore(namespace.client, namespace.prefix),
      slack: new SlackSink({ token: 'xoxb-test-token', apiUrl: slack.apiUrl, logger }),
      email: null,
      planner: {
        repeatIntervalMs: 3_600_000,
        routing: { default: { slackChannel: '#budgetwatch' }, tiers: {} },
      },
      groupWaitMs: 300,
      dashboardUrl: null,
      messageIdDomain: 'bw.test',
      logger,
    });
    await notifier.start();
    env = {
      KAFKA_BROKERS: inject('testBed').kafkaBrokers.join(','),
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_SPAN_TOPICS: spanTopic,
      BUDGETWATCH_EVENTS_TOPIC: eventsTopic,
      BUDGETWATCH_DLQ_TOPIC: deadLetterTopic,
      BUDGETWATCH_INVENTORY: INVENTORY_FILE,
    };
  }, 60_000);

  afterAll(async () => {
    await notifier?.stop();
    await evaluator?.stop();
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  interface Report {
    passed: boolean;
    tool: string;
    checks: {
      name: string;
      passed: boolean;
      detail: string;
      detectMs: number | null;
      notifyMs: number | null;
    }[];
    recordedTestAt: string | null;
  }
  const drill = async (scenario: string, timeout: string) => {
    const result = await budgetwatchInProcess(
      ['drill', scenario, '--server', 'orders-mcp', '--timeout', timeout, '--json'],
      env,
    );
    const report = JSON.parse(result.output.slice(result.output.indexOf('{"scenario"'))) as Report;
    return { code: result.code, report, output: result.output };
  };
  const crsOf = async () =>
    (JSON.parse((await budgetwatchInProcess(['crs', '--json'], env)).output) as { servers: { O: number }[] })
      .servers[0];

  it('a passed dependency-outage drill records the kill switch test: the finding goes and O falls', async () => {
    const before = await budgetwatchInProcess(['inventory', 'check'], env);
    expect(before.code, before.output).toBe(1);
    expect(before.output).toContain('tier2-kill-switch-tested');
    expect((await crsOf())?.O).toBe(30);

    const { code, report, output } = await drill('dependency-outage', '60s');
    expect(code, output).toBe(0);
    expect(report.checks.map((check) => `${check.passed} ${check.name}`)).toEqual([
      'true budget.breached success-rate',
      'true budget.breached latency-p95',
    ]);
    for (const check of report.checks) {
      expect(check.detectMs).toBeGreaterThan(0);
      expect(check.notifyMs).toBeGreaterThanOrEqual(check.detectMs ?? 0);
    }
    expect(report.recordedTestAt).not.toBeNull();
    // The notification went out as a drill, to the owner's channel.
    expect(
      slack
        .posts('#orders')
        .some((post) => post.text.startsWith('[DRILL]') && post.text.includes(report.tool)),
    ).toBe(true);

    const after = await budgetwatchInProcess(['inventory', 'check'], env);
    expect(after.code, after.output).toBe(0);
    expect(after.output).not.toContain('tier2-kill-switch-tested');
    expect((await crsOf())?.O).toBe(0);

    // The API returns the same breakdown.
    const port = await freeLoopbackPort();
    // With Kafka the api runs both intakes too: on free ports, not the OTLP defaults.
    const api = spawnBudgetwatch(['api'], {
      ...env,
      BUDGETWATCH_HTTP_PORT: String(port),
      BUDGETWATCH_OTLP_PORT: String(await freeLoopbackPort()),
      BUDGETWATCH_OTLP_GRPC_PORT: String(await freeLoopbackPort()),
    });
    try {
      const body = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/api/v1/crs/orders-mcp`).catch(
            () => undefined,
          );
          return response?.ok === true
            ? ((await response.json()) as { server: string; O: number; B: number; threshold: number })
            : undefined;
        },
        { description: 'the API to answer', timeoutMs: 30_000 },
      );
      expect(body).toMatchObject({ server: 'orders-mcp', O: 0, B: 95, threshold: 60 });
    } finally {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
  });

  it.each(['credential-compromise', 'malformed-response', 'latency'])('%s passes', async (scenario) => {
    const { code, report, output } = await drill(scenario, '60s');
    expect(code, output).toBe(0);
    expect(report.checks.every((check) => check.passed)).toBe(true);
    if (scenario === 'malformed-response') {
      expect(report.checks.map((check) => check.name)).toContain('malformed records dead-lettered');
    }
  });

  it('the production series are never touched by a drill', async () => {
    const production = (await workers.store.activeSeries(0)).filter((series) => !series.drill);
    expect(production).toEqual([]);
  });

  it.each(['credential-compromise', 'malformed-response', 'dependency-outage', 'latency'])(
    '%s fails with a clear reason when the evaluator is stopped',
    async (scenario) => {
      await evaluator.stop();
      // A drill fails by running out of time: the least --timeout there is, except where the
      // running ingest worker still has dead letters to deliver in it.
      const { code, report } = await drill(scenario, scenario === 'malformed-response' ? '3s' : '1s');
      expect(code).toBe(1);
      expect(report.passed).toBe(false);
      const failed = report.checks.filter((check) => !check.passed);
      expect(failed.length).toBeGreaterThan(0);
      for (const check of failed) {
        expect(check.detail).toContain('is the pipeline (ingest worker and evaluator) running?');
      }
      expect(report.recordedTestAt).toBeNull();
    },
  );

  it('refuses to wait longer than the drill series are kept, with exit code 2', async () => {
    const result = await budgetwatchInProcess(
      ['drill', 'latency', '--server', 'orders-mcp', '--timeout', '2h'],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.output).toContain('a drill waits at most 1h: its series are forgotten 1h after its calls');
  });

  it('rejects an unknown scenario with exit code 2', async () => {
    const result = await budgetwatchInProcess(['drill', 'meteor-strike', '--server', 'orders-mcp'], env);
    expect(result.code).toBe(2);
    expect(result.output).toContain('expected one of credential-compromise');
  });
});
