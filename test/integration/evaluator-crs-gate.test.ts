import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CRS_SCORING, DEFAULT_POLICY, type Inventory, inventoryResolver } from '@budgetwatch/domain';
import { waitFor } from '@budgetwatch/testkit';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { budgetwatch } from '../support/cli.js';
import { useTopics } from '../support/kafka.js';
import { useRedisNamespace } from '../support/redis.js';
import { useRuleEvaluation } from '../support/rule-evaluation.js';

const topics = useTopics();
const namespace = await useRedisNamespace('evaluator-crs');

/**
 * docs/crs.md's example server without the blocks: A 35 (static token, no scopes), O 30 (kill
 * switch never tested), B 95 (Tier 2, full write, confidential), so CRS = 37.25 + R / 4: it
 * crosses 60 once more than 91% of the success-rate budget is used.
 */
const INVENTORY: Inventory = {
  servers: [
    {
      id: 'gate-mcp',
      name: 'Gate',
      owner: { team: 'payments', email: 'payments@example.com', slackChannel: '#payments' },
      tier: 2,
      dataSensitivity: 'confidential',
      writeCapability: 'full',
      auth: { mode: 'static_token', scopes: [] },
      sharedAdminCredentials: false,
      credentialsSeparated: true,
      downstreamImpact: null,
      killSwitch: { owner: 'alice', lastTestedAt: null },
      fallbackMode: 'queue refunds',
      maxBlastRadius: 'one region',
      recoveryChecklist: ['route to the fallback'],
      match: [],
    },
  ],
};

/** The data of the gate's events. */
interface GateData {
  rule: string;
  crs?: { score: number; R: number; reasons: { text: string }[] };
}

describe('the inventory in the evaluator: CRS expansion gate and unregistered servers', () => {
  const {
    workers,
    received,
    schemaErrors,
    send: sendSpans,
    calls,
    twoMoreSweeps,
  } = useRuleEvaluation(topics, namespace, 'crs', {
    evaluator: {
      policy: DEFAULT_POLICY,
      crs: { inventory: INVENTORY, scoring: DEFAULT_CRS_SCORING, killSwitchMaxAgeDays: 30 },
    },
    workers: { resolveInventory: inventoryResolver(INVENTORY) },
  });

  const send = (count: number, error: boolean, server = 'gate-mcp', tool = 'refund') =>
    sendSpans(calls(server, tool, count, { durationMs: 40, error }));
  const gateEvents = () =>
    received
      .filter((event) => event.data.rule === 'crs-gate')
      .map((event) => ({ ...event, data: event.data as unknown as GateData }));

  it('live failures push CRS over 60: one expansion.halted; recovery: one expansion.resumed', async () => {
    await send(1000, false);
    await waitFor(() => workers.running()[0]?.metrics.callsApplied === 1000, {
      description: 'the healthy calls counted',
      timeoutMs: 30_000,
    });
    await twoMoreSweeps();
    expect(gateEvents()).toEqual([]);

    // 40 failures of 1,040: 3.85% against the 3% allowed, so the budget is used up and R is 100.
    await send(40, true);
    await waitFor(() => gateEvents().length === 1, { description: 'expansion.halted', timeoutMs: 30_000 });
    const [halted] = gateEvents();
    expect(halted?.type).toBe('budgetwatch.expansion.halted');
    expect(halted?.data.crs).toMatchObject({ score: 62.3, R: 100 });
    expect(halted?.data.crs?.reasons[0]?.text).toBe('100% of the success-rate budget used');

    // 2,000 more good calls: 40 of 3,040 failed, 44% of the budget, CRS 48.2.
    await send(2000, false);
    await waitFor(() => gateEvents().length === 2, { description: 'expansion.resumed', timeoutMs: 30_000 });
    await twoMoreSweeps();
    expect(gateEvents().map((event) => event.type)).toEqual([
      'budgetwatch.expansion.halted',
      'budgetwatch.expansion.resumed',
    ]);
    expect(gateEvents()[1]?.data.crs?.score).toBeCloseTo(48.2, 1);
    expect(new Set(received.map((event) => event.id)).size).toBe(received.length);
    expect(schemaErrors).toEqual([]);
  });

  it('a server the inventory does not list is announced once, with its tools', async () => {
    const unregistered = () =>
      received.filter((event) => event.type === 'budgetwatch.inventory.unregistered');
    await send(10, false, 'shadow-mcp', 'exec');
    await send(10, false, 'shadow-mcp', 'read');
    await waitFor(() => unregistered().length === 1, {
      description: 'inventory.unregistered',
      timeoutMs: 30_000,
    });
    await send(10, false, 'shadow-mcp', 'write');
    await twoMoreSweeps();
    expect(unregistered()).toHaveLength(1);
    const [event] = unregistered();
    expect(event?.subject).toBe('shadow-mcp');
    expect(event?.data.tools).toEqual(expect.arrayContaining(['exec']));
    // The registered server is never announced.
    expect(unregistered().map((e) => e.subject)).not.toContain('gate-mcp');
    expect(schemaErrors).toEqual([]);

    // budgetwatch status lists it apart from the registered ones.
    const dir = mkdtempSync(join(tmpdir(), 'bw-status-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'inventory.yaml');
    writeFileSync(file, stringify(INVENTORY));
    const status = await budgetwatch(['status', '--json'], {
      REDIS_URL: inject('testBed').redisUrl,
      REDIS_KEY_PREFIX: namespace.prefix,
      BUDGETWATCH_INVENTORY: file,
    });
    expect(status.code, status.output).toBe(0);
    const report = JSON.parse(status.output) as {
      servers: { server: string; tier: number; firing: string[] }[];
      unregistered: { server: string; tools: string[] }[];
    };
    expect(report.servers.map((entry) => `${entry.server}:${entry.tier}`)).toEqual(['gate-mcp:2']);
    expect(report.unregistered).toEqual([
      expect.objectContaining({ server: 'shadow-mcp', tools: ['exec', 'read', 'write'] }),
    ]);
  });
});
