import {
  applicableChecks,
  applicableRules,
  budgetUsed,
  type Comparator,
  type CrsBreakdown,
  type Inventory,
  isUnattributed,
  measureRule,
  OTHER_TOOL,
  OVERFLOW_SERVER,
  type Policy,
  type RuleCheck,
  type RuleState,
  type RuleStatus,
  type SeriesRef,
  scopeOf,
  seriesId,
  type Tier,
  type WindowSummary,
} from '@budgetwatch/domain';
import type { EventHistory, RuleStateStore } from '@budgetwatch/evaluator';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import type { LogEntry, NotifierStore } from '@budgetwatch/notifier';
import type { WindowReader, WindowStore } from '@budgetwatch/window-store';
import { gaugeOf, type ReadingUnit } from './check-gauge.js';

/** One rule on one series: its stored state and the value its window reads now. */
export interface RuleReading {
  rule: string;
  scope: 'server' | 'tool';
  /** The tool, for a tool-scope reading. */
  tool: string | null;
  state: RuleStatus;
  /** Since when the state holds (ISO), null before the first evaluation. */
  since: string | null;
  /** In `unit`; null without calls in the window. */
  value: number | null;
  threshold: number;
  comparator: Comparator;
  unit: ReadingUnit;
  /** Calls the value is computed from (the rule's denominator). */
  calls: number;
  /**
   * Share of the rule's error budget used (the burn-rate warning: of the burn rate that fires it):
   * 0 none, 1 at the threshold (capped at 10).
   */
  budgetUsed: number;
  windowMs: number;
}

export interface ServerStatus {
  server: string;
  registered: boolean;
  tier: Tier | null;
  owner: string | null;
  /** firing when any rule fires on the server or one of its tools. */
  state: RuleStatus;
  crs: { score: number; gated: boolean; threshold: number } | null;
  tools: string[];
  /**
   * Calls of tools beyond the caps were counted in the server's `(other)` series within 24h
   * (docs/operations.md#cardinality-limits).
   */
  toolsOverflowed: boolean;
  rules: RuleReading[];
}

export interface StatusReport {
  generatedAt: string;
  servers: ServerStatus[];
  unregistered: ServerStatus[];
  /** Calls counted in overflow series within 24h: of tools beyond the caps, of servers beyond them. */
  overflow: { tools: boolean; servers: boolean };
}

export interface Sparkline {
  rule: string;
  unit: ReadingUnit;
  threshold: number;
  /** Hourly values, oldest first; the last ends now. null: no calls that hour. */
  points: (number | null)[];
}

/** What the notification log says of one published event: per channel, what happened to it. */
export interface EventNotifications {
  event: Pick<BudgetwatchEvent, 'id' | 'type' | 'subject' | 'time'> & { server: string };
  /**
   * Channel -> outcome (`sent`, `failed` with its `reason`, `silenced`, `not_notified`); a channel
   * not listed has nothing logged yet (still queued, or being retried).
   */
  channels: Record<string, LogEntry>;
}

export interface OperatorViewOptions {
  policy: Policy;
  store: WindowStore;
  windows: WindowReader;
  states: RuleStateStore;
  history: EventHistory;
  /** The notifier's log; null where nothing notifies (it is then empty). */
  notificationLog: Pick<NotifierStore, 'log'> | null;
  /** The inventory as it is now (re-read on each call, so an edit shows at once). */
  inventory: () => Promise<Inventory>;
  /** CRS breakdowns of registered servers (of the given inventory). */
  crs: (inventory: Inventory) => Promise<CrsBreakdown[]>;
  now?: () => number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How long one status report serves every caller. */
const STATUS_SHARED_MS = 1000;
/** Budget use is reported up to this multiple (an infinite use does not survive JSON). */
const MAX_BUDGET_USED = 10;

/**
 * What operators look at, read from the same stores the evaluator writes: each server's rules
 * with state and value, series, windows, sparklines and the event history. Read-only.
 */
export class OperatorView {
  private readonly now: () => number;
  /** The read in progress, or the last one with when it finished. */
  private lastStatus: { doneAtMs: number | null; report: Promise<StatusReport> } | undefined;

  constructor(private readonly options: OperatorViewOptions) {
    this.now = options.now ?? Date.now;
  }

  get policy(): Policy {
    return this.options.policy;
  }

  /** Production series written in the last 24h. */
  async series(): Promise<SeriesRef[]> {
    return (await this.options.store.activeSeries(this.now() - DAY)).filter((series) => !series.drill);
  }

  window(series: SeriesRef, windowMs: number): Promise<WindowSummary> {
    return this.options.windows.series(series, windowMs, this.now());
  }

  /**
   * The status of every server. Dashboards poll it and it reads every series, so callers share the
   * read in progress, and its report for a second after it finished, instead of each reading again.
   */
  status(): Promise<StatusReport> {
    const now = this.now();
    const last = this.lastStatus;
    if (last !== undefined && (last.doneAtMs === null || now - last.doneAtMs < STATUS_SHARED_MS))
      return last.report;
    const entry: { doneAtMs: number | null; report: Promise<StatusReport> } = {
      doneAtMs: null,
      report: this.readStatus(now),
    };
    this.lastStatus = entry;
    entry.report.then(
      () => {
        entry.doneAtMs = this.now();
      },
      () => {
        if (this.lastStatus === entry) this.lastStatus = undefined;
      },
    );
    return entry.report;
  }

  private async readStatus(now: number): Promise<StatusReport> {
    const inventory = await this.options.inventory();
    const crs = new Map(
      (await this.options.crs(inventory)).map((breakdown) => [breakdown.server, breakdown]),
    );
    const byServer = new Map<string, SeriesRef[]>(inventory.servers.map((server) => [server.id, []]));
    for (const series of await this.series()) {
      byServer.set(series.server, [...(byServer.get(series.server) ?? []), series]);
    }
    const statuses: ServerStatus[] = [];
    for (const [server, seen] of byServer) {
      const entry = inventory.servers.find((candidate) => candidate.id === server);
      const tools = [
        ...new Set(seen.flatMap((series) => (series.tool === null ? [] : [series.tool]))),
      ].sort();
      const readings = [
        ...(await this.readings({ server, tool: null, drill: false }, entry?.tier, now)),
        ...(
          await Promise.all(
            tools.map((tool) => this.readings({ server, tool, drill: false }, entry?.tier, now)),
          )
        ).flat(),
      ];
      const breakdown = crs.get(server);
      statuses.push({
        server,
        registered: entry !== undefined,
        tier: entry?.tier ?? null,
        owner: entry?.owner?.team ?? null,
        state: overallState(readings),
        crs:
          breakdown === undefined
            ? null
            : {
                score: breakdown.crs,
                gated: breakdown.gated,
                threshold: this.options.policy.crs.haltThreshold,
              },
        tools,
        toolsOverflowed: tools.includes(OTHER_TOOL),
        rules: readings,
      });
    }
    statuses.sort((a, b) => (a.tier ?? 9) - (b.tier ?? 9) || a.server.localeCompare(b.server));
    return {
      generatedAt: new Date(now).toISOString(),
      servers: statuses.filter((status) => status.registered),
      // Unattributed calls name no server: the coverage report lists them per tool.
      unregistered: statuses.filter((status) => !status.registered && !isUnattributed(status.server)),
      overflow: {
        tools: statuses.some((status) => status.toolsOverflowed && status.server !== OVERFLOW_SERVER),
        servers: byServer.has(OVERFLOW_SERVER),
      },
    };
  }

  /**
   * Each server-scope rule's value hour by hour over the last 24h, for the server's rollup (with
   * its tier's limits); null for a server neither registered nor seen in 24h.
   */
  async sparklines(server: string): Promise<Sparkline[] | null> {
    const entry = (await this.options.inventory()).servers.find((candidate) => candidate.id === server);
    if (entry === undefined && !(await this.series()).some((series) => series.server === server)) return null;
    const now = this.now();
    const rollup: SeriesRef = { server, tool: null, drill: false };
    const hours = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        this.options.windows.series(rollup, HOUR, now - (23 - i) * HOUR, { coarse: true }),
      ),
    );
    return Promise.all(
      applicableRules(this.options.policy, { server, scope: 'server', tier: entry?.tier }).map(
        async (applicable) => {
          const { unit, threshold } = gaugeOf(applicable);
          // Each hour on its own: every window the rule reads is that hour.
          const points = await Promise.all(
            hours.map(async (hour) => (await measureRule(applicable, async () => hour)).value),
          );
          return { rule: applicable.rule.id, unit, threshold, points };
        },
      ),
    );
  }

  async history(limit: number, server?: string): Promise<BudgetwatchEvent[]> {
    const events = await this.options.history.recent(server === undefined ? limit : 1000);
    return (server === undefined ? events : events.filter((event) => event.data.server === server)).slice(
      0,
      limit,
    );
  }

  /** The notification log of the latest published events (of one server), newest first. */
  async notifications(limit: number, server?: string): Promise<EventNotifications[]> {
    const log = this.options.notificationLog;
    return Promise.all(
      (await this.history(limit, server)).map(async (event) => ({
        event: {
          id: event.id,
          type: event.type,
          subject: event.subject,
          time: event.time,
          server: event.data.server,
        },
        channels: log === null ? {} : await log.log(event.id),
      })),
    );
  }

  /** Every stored rule state of the production series seen in the last 24h. */
  async ruleStates(): Promise<
    { series: SeriesRef; rule: string; state: RuleStatus; since: string | null }[]
  > {
    const rows: { series: SeriesRef; rule: string; state: RuleStatus; since: string | null }[] = [];
    for (const series of await this.series()) {
      // Which rules a series has does not depend on its tier, only their limits do.
      const ruleIds = applicableRules(this.options.policy, {
        server: series.server,
        scope: scopeOf(series),
        tier: undefined,
      }).map((applicable) => applicable.rule.id);
      for (const [rule, stored] of await this.options.states.read(seriesId(series), ruleIds)) {
        rows.push({ series, rule, state: stored.state.status, since: isoOrNull(stored.state.since) });
      }
    }
    return rows;
  }

  private async readings(series: SeriesRef, tier: Tier | undefined, now: number): Promise<RuleReading[]> {
    const checks = await applicableChecks(
      this.options.policy,
      { server: series.server, scope: scopeOf(series), tier },
      (windowMs) => this.options.windows.series(series, windowMs, now),
    );
    const stored = await this.options.states.read(
      seriesId(series),
      checks.map((check) => check.rule.id),
    );
    return checks.map((check) => ruleReading(series, check, stored.get(check.rule.id)?.state));
  }
}

/** One check of a series as operators read it: its stored state and what its windows say now. */
function ruleReading(series: SeriesRef, check: RuleCheck, state: RuleState | undefined): RuleReading {
  return {
    rule: check.rule.id,
    scope: scopeOf(series),
    tool: series.tool,
    state: state?.status ?? 'no_data',
    since: state === undefined ? null : isoOrNull(state.since),
    value: check.measurement.value,
    calls: check.measurement.whole,
    budgetUsed: Math.min(MAX_BUDGET_USED, budgetUsed(check)),
    ...gaugeOf(check),
  };
}

function isoOrNull(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

function overallState(readings: readonly RuleReading[]): RuleStatus {
  if (readings.some((reading) => reading.state === 'firing')) return 'firing';
  if (readings.some((reading) => reading.state === 'ok')) return 'ok';
  return 'no_data';
}
