import {
  CRS_GATE_RULE,
  DEFAULT_POLICY,
  IN_MEMORY_CARDINALITY_LIMITS,
  OTHER_TOOL,
  type Policy,
  type RuleState,
  seriesId,
} from '@budgetwatch/domain';
import { InMemoryEventHistory, InMemoryRuleStateStore } from '@budgetwatch/evaluator';
import { EvaluationBed, inventoryOptions, registeredServer } from '@budgetwatch/evaluator/fixtures';
import { UNREGISTERED_RULE } from '@budgetwatch/events';
import { describe, expect, it } from 'vitest';
import { OperatorView, type StatusReport } from './operator-view.js';

/**
 * The dashboard (the status report) and the evaluator must tell operators the same thing: every
 * rule the evaluator decides for a series is listed with the state it decided, and the budget
 * gauge is over its threshold exactly where the rule fires.
 */
const HOUR = 3_600_000;

/** The playbook with a stricter success rate for Tier 2, and fallbacks judged per server only. */
const PLAYBOOK: Policy = {
  ...DEFAULT_POLICY,
  rules: DEFAULT_POLICY.rules.map((rule) => {
    if (rule.id === 'success-rate') return { ...rule, tiers: { 2: { threshold: 0.99 } } };
    if (rule.id === 'fallback-activation') return { ...rule, scopes: ['server'] };
    return rule;
  }),
};

const INVENTORY = inventoryOptions(
  registeredServer('strict-mcp', { tier: 2 }),
  registeredServer('steady-mcp'),
  registeredServer('slow-mcp'),
);

/** Rule states as the evaluator wrote them last, by series and rule. */
class DecidedStates extends InMemoryRuleStateStore {
  readonly decided = new Map<string, RuleState['status']>();

  override async write(
    ...args: Parameters<InMemoryRuleStateStore['write']>
  ): ReturnType<InMemoryRuleStateStore['write']> {
    const result = await super.write(...args);
    const [seriesId, ruleId, , state] = args;
    if (result.written) this.decided.set(`${seriesId} ${ruleId}`, state.status);
    return result;
  }
}

/** Servers that each break a different rule, at a scope and tier of their own. */
async function recordTraffic(bed: EvaluationBed): Promise<void> {
  // 98%: under Tier 2's 99%, over everyone else's 97%.
  await bed.record('strict-mcp', 'refund', 980);
  await bed.record('strict-mcp', 'refund', 20, { outcome: 'error' });
  await bed.record('steady-mcp', 'read', 1000);
  await bed.record('slow-mcp', 'lookup', 90);
  await bed.record('slow-mcp', 'lookup', 10, { latencyMs: 4000 });
  // 30% fallbacks: the server's rule fires; its tools have none.
  await bed.record('flaky-mcp', 'search', 70);
  await bed.record('flaky-mcp', 'search', 30, { fallback: true });
  // A healthy day, then half of the last minutes' calls failing: a fast burn, the 24h rate at 99.5%.
  await bed.record('burning-mcp', 'charge', 10_000, { agoMs: 3 * HOUR });
  await bed.record('burning-mcp', 'charge', 50);
  await bed.record('burning-mcp', 'charge', 50, { outcome: 'error' });
  // Too few calls to judge anything.
  await bed.record('sparse-mcp', 'rare', 10, { outcome: 'error' });
}

function omitKey<T extends { key: string }>({ key: _key, ...rest }: T): Omit<T, 'key'> {
  return rest;
}

/** Each reading of the report by series and rule. */
function readingsOf(report: StatusReport) {
  return [...report.servers, ...report.unregistered].flatMap((server) =>
    server.rules.map((reading) => ({
      key: `${seriesId({ server: server.server, tool: reading.tool, drill: false })} ${reading.rule}`,
      ...reading,
    })),
  );
}

describe.each([
  ['off', false],
  ['on', true],
])('the status report and the evaluator over the same windows, burn-rate warning %s', (_label, burnRate) => {
  const policy: Policy = { ...PLAYBOOK, burnRate: { ...PLAYBOOK.burnRate, enabled: burnRate } };

  async function evaluatedAndReported() {
    const bed = new EvaluationBed();
    const states = new DecidedStates(bed.now);
    await recordTraffic(bed);
    await bed.evaluator({ policy, states, crs: INVENTORY }).sweep();
    const view = new OperatorView({
      policy,
      store: bed.windowStore,
      windows: bed.windows,
      states,
      history: new InMemoryEventHistory(),
      notificationLog: null,
      inventory: async () => INVENTORY.inventory,
      crs: async () => [],
      now: bed.now,
    });
    const decided = new Map(
      [...states.decided].filter(
        ([key]) => ![CRS_GATE_RULE, UNREGISTERED_RULE].includes(key.split(' ')[1] ?? ''),
      ),
    );
    return { decided, readings: readingsOf(await view.status()), view };
  }

  it("each rule's history ends at the value the report reads now", async () => {
    const { readings, view } = await evaluatedAndReported();
    const checked = readings.filter((reading) => reading.value !== null);
    expect(checked.length).toBeGreaterThan(10);
    for (const reading of checked) {
      const server = reading.key.split('|')[1] as string;
      const history = await view.seriesHistory(server, reading.tool);
      const chart = history?.rules.find((rule) => rule.rule === reading.rule);
      expect(chart?.values.at(-1), reading.key).toBe(reading.value);
      expect(chart?.calls.at(-1), reading.key).toBe(reading.calls);
      expect(chart?.threshold).toBe(reading.threshold);
      expect(chart?.reading).toEqual(omitKey(reading));
    }
    expect(await view.seriesHistory('nobody-mcp', null)).toBeNull();
    expect(await view.seriesHistory('steady-mcp', 'no-such-tool')).toBeNull();
  });

  it('lists every rule state the evaluator decided, and no_data where it decided none', async () => {
    const { decided, readings } = await evaluatedAndReported();
    const shown = new Map(readings.map((reading) => [reading.key, reading.state]));
    expect([...decided.keys()].filter((key) => !shown.has(key))).toEqual([]);
    expect(shown).toEqual(new Map([...shown.keys()].map((key) => [key, decided.get(key) ?? 'no_data'])));

    const firing = readings.filter((reading) => reading.state === 'firing').map((reading) => reading.key);
    expect(firing.sort()).toEqual(
      [
        'prod|strict-mcp|refund success-rate',
        'prod|strict-mcp|* success-rate',
        'prod|slow-mcp|lookup latency-p95',
        'prod|slow-mcp|* latency-p95',
        'prod|flaky-mcp|* fallback-activation',
        ...(burnRate
          ? ['prod|burning-mcp|charge success-rate-burn-rate', 'prod|burning-mcp|* success-rate-burn-rate']
          : []),
      ].sort(),
    );
  });

  it("shows each budget over its threshold exactly where the evaluator fires it, with the tier's limits", async () => {
    const { readings } = await evaluatedAndReported();
    for (const reading of readings) {
      expect(reading.budgetUsed >= 1, `${reading.key}: ${reading.budgetUsed}`).toBe(
        reading.state === 'firing',
      );
    }
    expect(readings.find((reading) => reading.key === 'prod|strict-mcp|refund success-rate')?.threshold).toBe(
      0.99,
    );
  });
});

describe('the status report at the cardinality caps', () => {
  it("flags a server whose tools overflowed into its (other) series, and the report's overflow", async () => {
    const bed = new EvaluationBed();
    await bed.record('steady-mcp', 'read', 10);
    // One tool more than a server may have (IN_MEMORY_CARDINALITY_LIMITS).
    for (let tool = 0; tool <= IN_MEMORY_CARDINALITY_LIMITS.maxToolsPerServer; tool++) {
      await bed.record('wide-mcp', `tool-${tool}`, 1);
    }
    const view = new OperatorView({
      policy: DEFAULT_POLICY,
      store: bed.windowStore,
      windows: bed.windows,
      states: new InMemoryRuleStateStore(bed.now),
      history: new InMemoryEventHistory(),
      notificationLog: null,
      inventory: async () => INVENTORY.inventory,
      crs: async () => [],
      now: bed.now,
    });
    const report = await view.status();
    const statusOf = (server: string) =>
      [...report.servers, ...report.unregistered].find((status) => status.server === server);
    expect(statusOf('wide-mcp')).toMatchObject({ toolsOverflowed: true });
    expect(statusOf('wide-mcp')?.tools).toContain(OTHER_TOOL);
    expect(statusOf('wide-mcp')?.tools).toHaveLength(IN_MEMORY_CARDINALITY_LIMITS.maxToolsPerServer + 1);
    expect(statusOf('steady-mcp')).toMatchObject({ toolsOverflowed: false });
    expect(report.overflow).toEqual({ tools: true, servers: false });
  });
});
