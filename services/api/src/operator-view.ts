import {
  applicableChecks,
  applicableRules,
  budgetUsed,
  COARSE,
  type Comparator,
  type CrsBreakdown,
  FINE,
  type Inventory,
  type InventoryServer,
  isUnattributed,
  measureRule,
  OTHER_TOOL,
  OVERFLOW_SERVER,
  type Policy,
  type RuleCheck,
  type RuleHistory,
  type RuleState,
  type RuleStatus,
  ruleHistories,
  type SeriesRef,
  scopeOf,
  seriesId,
  type Tier,
  type WindowSummary,
} from '@budgetwatch/domain';
import type { EventHistory, RuleStateStore } from '@budgetwatch/evaluator';
import { mapInTurns, yieldIfTurnIsLong } from '@budgetwatch/event-loop';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import type { LogEntry, NotifierStore } from '@budgetwatch/notifier';
import type { WindowReader, WindowStore } from '@budgetwatch/window-store';
import { gaugeOf, type ReadingUnit } from './check-gauge.js';
import {
  type CursorKey,
  compareKeys,
  decodeCursor,
  encodeCursor,
  type PageLimits,
  type PageRequest,
  pageOf,
  sortedByKey,
  startAfter,
} from './paging.js';
import { SharedReads } from './shared-reads.js';

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
  /**
   * Over the whole report (every page): calls counted in overflow series within 24h, of tools
   * beyond the caps, of unregistered servers beyond theirs.
   */
  overflow: { tools: boolean; servers: boolean };
}

export interface Sparkline {
  rule: string;
  unit: ReadingUnit;
  threshold: number;
  /** Hourly values, oldest first; the last ends now. null: no calls that hour. */
  points: (number | null)[];
}

/** One rule's chart: its value over its window at every bucket end, against its limits. */
export interface RuleHistoryChart extends RuleHistory {
  rule: string;
  unit: ReadingUnit;
  threshold: number;
  /** Where a firing rule resolves (hysteresis); null for the burn-rate warning. */
  resolveThreshold: number | null;
  comparator: Comparator;
  windowMs: number;
  /** The rule's reading now, as the status report gives it: the chart's last point is its value. */
  reading: RuleReading;
}

/** The charts of one production series (a server's rollup, or one of its tools). */
export interface SeriesHistory {
  server: string;
  tool: string | null;
  generatedAt: string;
  rules: RuleHistoryChart[];
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
  /** CRS breakdowns of the given registered servers (of the given inventory). */
  crs: (inventory: Inventory, servers: readonly string[]) => Promise<CrsBreakdown[]>;
  now?: () => number;
}

/** One page of the status report: `limit` servers at most, registered ones first (by tier, then name). */
export interface StatusPage extends StatusReport {
  /** How many servers the whole report lists. */
  total: { servers: number; unregistered: number };
  /** The cursor of the next page; null on the last. */
  next: string | null;
}

/** A page of production series (the rollup of a server first, then its tools by name). */
export interface SeriesPage {
  series: SeriesRef[];
  next: string | null;
}

export interface RuleStateRow {
  series: SeriesRef;
  rule: string;
  state: RuleStatus;
  since: string | null;
}

export interface CrsPage {
  servers: CrsBreakdown[];
  next: string | null;
}

/** Page sizes of the operator view's lists (docs: README, "Dashboard, API and metrics"). */
export const STATUS_PAGE = { defaultLimit: 100, maxLimit: 500 } as const satisfies PageLimits;
export const SERIES_PAGE = { defaultLimit: 1000, maxLimit: 5000 } as const satisfies PageLimits;
export const CRS_PAGE = { defaultLimit: 100, maxLimit: 500 } as const satisfies PageLimits;
/**
 * A status page ends early after the server that takes it past this many series, so that one page
 * stays a bounded amount of work and JSON whatever the servers' tool counts.
 */
export const STATUS_PAGE_MAX_SERIES = 2000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How long one read (the server directory, a page) serves every caller. */
const SHARED_MS = 1000;
/** Budget use is reported up to this multiple (an infinite use does not survive JSON). */
const MAX_BUDGET_USED = 10;
/** Where unregistered servers sort: after every tier. */
const UNREGISTERED_RANK = 9;

/** A server the report lists, as the directory knows it before reading any window. */
interface ListedServer {
  server: string;
  /** The tier for a registered server, UNREGISTERED_RANK otherwise: the first part of its sort key. */
  rank: number;
  entry: InventoryServer | undefined;
  /** Whether its rollup series was written in 24h (a registered server may have none yet). */
  rollup: boolean;
  /** Its tools with a production series, by name. */
  tools: string[];
}

/** Every server the report lists, in report order, read once and shared for a second. */
interface ServerDirectory {
  inventory: Inventory;
  servers: ListedServer[];
  byId: Map<string, ListedServer>;
  registered: number;
  overflow: StatusReport['overflow'];
}

const serverKey = (listed: ListedServer): CursorKey => [listed.rank, listed.server];

/**
 * What operators look at, read from the same stores the evaluator writes: each server's rules
 * with state and value, series, windows, sparklines and the event history. Read-only.
 *
 * Every list comes in pages, and every computation over many series runs in turns
 * (`@budgetwatch/event-loop`), so a report of 50,000 series never holds the event loop: health
 * probes and the intake are answered while it is read.
 */
export class OperatorView {
  private readonly now: () => number;
  private readonly directories: SharedReads<ServerDirectory>;
  private readonly statusPages: SharedReads<StatusPage>;
  /** The windows a latency reading shows a quantile of: the only ones whose sketch is read. */
  private readonly quantileWindows: ReadonlySet<number>;

  constructor(private readonly options: OperatorViewOptions) {
    this.now = options.now ?? Date.now;
    this.quantileWindows = new Set(
      options.policy.rules.filter((rule) => rule.metric === 'latency_quantile').map((rule) => rule.windowMs),
    );
    this.directories = new SharedReads(SHARED_MS, this.now);
    this.statusPages = new SharedReads(SHARED_MS, this.now);
  }

  get policy(): Policy {
    return this.options.policy;
  }

  /** Production series written in the last 24h, in no particular order. */
  private async activeSeries(): Promise<SeriesRef[]> {
    return (await this.options.store.activeSeries(this.now() - DAY)).filter((series) => !series.drill);
  }

  /** A page of the production series written in the last 24h, server by server in report order. */
  async series(request: PageRequest): Promise<SeriesPage> {
    const { items, next } = await this.seriesPage(request);
    return { series: items, next };
  }

  window(series: SeriesRef, windowMs: number): Promise<WindowSummary> {
    return this.options.windows.series(series, windowMs, this.now());
  }

  /**
   * A page of the status report. Dashboards poll it and each page reads the windows of its
   * servers' series, so callers asking for the same page share the read in progress, and its
   * answer for a second after it finished, instead of each reading again.
   */
  status(request: PageRequest = { cursor: null, limit: STATUS_PAGE.defaultLimit }): Promise<StatusPage> {
    return this.statusPages.get(`${request.limit} ${request.cursor ?? ''}`, () =>
      this.readStatusPage(request),
    );
  }

  /** One server's status (every tool), or null for a server neither registered nor seen in 24h. */
  async server(server: string): Promise<ServerStatus | null> {
    const directory = await this.directory();
    const listed = directory.byId.get(server);
    if (listed === undefined) return null;
    const [status] = await this.statuses(directory, [listed], this.now());
    return status ?? null;
  }

  private async readStatusPage(request: PageRequest): Promise<StatusPage> {
    const directory = await this.directory();
    const now = this.now();
    const start = startAfter(directory.servers, serverKey, request.cursor);
    const listed: ListedServer[] = [];
    let series = 0;
    for (const candidate of directory.servers.slice(start)) {
      if (listed.length >= request.limit || series >= STATUS_PAGE_MAX_SERIES) break;
      listed.push(candidate);
      series += 1 + candidate.tools.length;
    }
    const statuses = await this.statuses(directory, listed, now);
    const last = listed.at(-1);
    return {
      generatedAt: new Date(now).toISOString(),
      servers: statuses.filter((status) => status.registered),
      unregistered: statuses.filter((status) => !status.registered),
      overflow: directory.overflow,
      total: { servers: directory.registered, unregistered: directory.servers.length - directory.registered },
      next:
        start + listed.length < directory.servers.length && last !== undefined
          ? encodeCursor(serverKey(last))
          : null,
    };
  }

  /** The status of each listed server: every series' readings, read in turns. */
  private async statuses(
    directory: ServerDirectory,
    listed: readonly ListedServer[],
    now: number,
  ): Promise<ServerStatus[]> {
    const crs = new Map(
      (
        await this.options.crs(
          directory.inventory,
          listed.filter((server) => server.entry !== undefined).map((server) => server.server),
        )
      ).map((breakdown) => [breakdown.server, breakdown]),
    );
    const series = listed.flatMap((server) => [
      { listed: server, tool: null },
      ...server.tools.map((tool) => ({ listed: server, tool })),
    ]);
    const readings = await mapInTurns(series, ({ listed: server, tool }) =>
      this.readings({ server: server.server, tool, drill: false }, server.entry?.tier, now),
    );
    const byServer = new Map<string, RuleReading[]>();
    for (const [i, { listed: server }] of series.entries()) {
      const held = byServer.get(server.server);
      if (held === undefined) byServer.set(server.server, [...(readings[i] ?? [])]);
      else held.push(...(readings[i] ?? []));
    }
    return listed.map((server) => {
      const rules = byServer.get(server.server) ?? [];
      const breakdown = crs.get(server.server);
      return {
        server: server.server,
        registered: server.entry !== undefined,
        tier: server.entry?.tier ?? null,
        owner: server.entry?.owner?.team ?? null,
        state: overallState(rules),
        crs:
          breakdown === undefined
            ? null
            : {
                score: breakdown.crs,
                gated: breakdown.gated,
                threshold: this.options.policy.crs.haltThreshold,
              },
        tools: server.tools,
        toolsOverflowed: server.tools.includes(OTHER_TOOL),
        rules,
      };
    });
  }

  /** Every server registered or seen in 24h, in report order: one scan of the active series. */
  private directory(): Promise<ServerDirectory> {
    return this.directories.get('directory', async () => {
      const inventory = await this.options.inventory();
      const byId = new Map<string, ListedServer>(
        inventory.servers.map((entry) => [
          entry.id,
          { server: entry.id, rank: entry.tier, entry, rollup: false, tools: [] },
        ]),
      );
      const active = await this.activeSeries();
      for (const [i, series] of active.entries()) {
        if (i % 1024 === 0) await yieldIfTurnIsLong();
        // Calls no server is named for are a coverage finding, not a server (docs/contract.md, section 2).
        if (isUnattributed(series.server)) continue;
        let listed = byId.get(series.server);
        if (listed === undefined) {
          listed = {
            server: series.server,
            rank: UNREGISTERED_RANK,
            entry: undefined,
            rollup: false,
            tools: [],
          };
          byId.set(series.server, listed);
        }
        if (series.tool === null) listed.rollup = true;
        else listed.tools.push(series.tool);
      }
      const servers = [...byId.values()];
      const overflow = { tools: false, servers: byId.has(OVERFLOW_SERVER) };
      for (const [i, listed] of servers.entries()) {
        if (i % 256 === 0) await yieldIfTurnIsLong();
        listed.tools.sort(compareText);
        if (listed.server !== OVERFLOW_SERVER && listed.tools.includes(OTHER_TOOL)) overflow.tools = true;
      }
      // serverKey's order, without a key per comparison.
      servers.sort((a, b) => a.rank - b.rank || compareText(a.server, b.server));
      return { inventory, servers, byId, registered: inventory.servers.length, overflow };
    });
  }

  /**
   * Each server-scope rule's value hour by hour over the last 24h, for the server's rollup (with
   * its tier's limits); null for a server neither registered nor seen in 24h.
   */
  async sparklines(server: string): Promise<Sparkline[] | null> {
    const listed = (await this.directory()).byId.get(server);
    if (listed === undefined) return null;
    const now = this.now();
    const rollup: SeriesRef = { server, tool: null, drill: false };
    const hours = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        this.options.windows.series(rollup, HOUR, now - (23 - i) * HOUR, { coarse: true }),
      ),
    );
    return Promise.all(
      applicableRules(this.options.policy, {
        server: listed.server,
        scope: 'server',
        tier: listed.entry?.tier,
      }).map(async (applicable) => {
        const { unit, threshold } = gaugeOf(applicable);
        // Each hour on its own: every window the rule reads is that hour.
        const points = await Promise.all(
          hours.map(async (hour) => (await measureRule(applicable, async () => hour)).value),
        );
        return { rule: applicable.rule.id, unit, threshold, points };
      }),
    );
  }

  /**
   * Each rule's value over its window (24h at 5 min, 2h at 1 min) for one production series, from
   * the buckets the window store's rings hold: at most one ring's slots of points per rule. Null
   * for a server neither registered nor seen in 24h, or a tool it has no series for.
   */
  async seriesHistory(server: string, tool: string | null): Promise<SeriesHistory | null> {
    const listed = (await this.directory()).byId.get(server);
    if (listed === undefined || (tool !== null && !listed.tools.includes(tool))) return null;
    const now = this.now();
    const series: SeriesRef = { server, tool, drill: false };
    // The rings and the readings at one instant: each chart ends at the value its reading shows.
    const [fine, coarse, readings] = await Promise.all([
      this.options.store.readBuckets(series, FINE, now),
      this.options.store.readBuckets(series, COARSE, now),
      this.readings(series, listed.entry?.tier, now),
    ]);
    const rules = applicableRules(this.options.policy, {
      server,
      scope: scopeOf(series),
      tier: listed.entry?.tier,
    });
    const histories = await ruleHistories(
      rules,
      (resolution) => (resolution.name === FINE.name ? fine : coarse),
      this.options.windows.thresholdsMs,
      now,
    );
    return {
      server,
      tool,
      generatedAt: new Date(now).toISOString(),
      rules: rules.map((applicable, i) => ({
        rule: applicable.rule.id,
        ...gaugeOf(applicable),
        resolveThreshold: applicable.kind === 'budget' ? applicable.limits.resolveThreshold : null,
        ...(histories[i] as RuleHistory),
        reading: readings[i] as RuleReading,
      })),
    };
  }

  /** A page of the CRS breakdowns of registered servers, by server id. */
  async crs(request: PageRequest): Promise<CrsPage> {
    const { inventory } = await this.directory();
    const { items, next } = pageOf(
      sortedByKey(
        inventory.servers.map((entry) => entry.id),
        (id) => [id],
      ),
      (id) => [id],
      request,
    );
    const scored = await mapInTurns(items, (id) => this.options.crs(inventory, [id]));
    return { servers: scored.flat(), next };
  }

  /** One server's inventory entry (the operator's card); undefined when it is not in the inventory. */
  async inventoryEntry(server: string): Promise<InventoryServer | undefined> {
    return (await this.options.inventory()).servers.find((entry) => entry.id === server);
  }

  /** One registered server's CRS breakdown; undefined when it is not in the inventory. */
  async serverCrs(server: string): Promise<CrsBreakdown | undefined> {
    const [breakdown] = await this.options.crs(await this.options.inventory(), [server]);
    return breakdown;
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
    return mapInTurns(await this.history(limit, server), async (event) => ({
      event: {
        id: event.id,
        type: event.type,
        subject: event.subject,
        time: event.time,
        server: event.data.server,
      },
      channels: log === null ? {} : await log.log(event.id),
    }));
  }

  /** The stored rule states of a page of the production series seen in the last 24h. */
  async ruleStates(request: PageRequest): Promise<{ states: RuleStateRow[]; next: string | null }> {
    const { items, next } = await this.seriesPage(request);
    const rows = await mapInTurns(items, async (series) => {
      // Which rules a series has does not depend on its tier, only their limits do.
      const ruleIds = applicableRules(this.options.policy, {
        server: series.server,
        scope: scopeOf(series),
        tier: undefined,
      }).map((applicable) => applicable.rule.id);
      return [...(await this.options.states.read(seriesId(series), ruleIds))].map(([rule, stored]) => ({
        series,
        rule,
        state: stored.state.status,
        since: isoOrNull(stored.state.since),
      }));
    });
    return { states: rows.flat(), next };
  }

  /** A page of series in report order: each server's rollup, then its tools by name. */
  private async seriesPage(request: PageRequest): Promise<{ items: SeriesRef[]; next: string | null }> {
    const { servers } = await this.directory();
    const seriesOf = (listed: ListedServer) =>
      [...(listed.rollup ? [null] : []), ...listed.tools].map((tool) => ({
        key: [listed.rank, listed.server, tool] as CursorKey,
        series: { server: listed.server, tool, drill: false },
      }));
    let next = startAfter(servers, serverKey, request.cursor);
    const found: ReturnType<typeof seriesOf> = [];
    // The cursor's own server, whose series the cursor may stop in the middle of.
    const resumed = servers[next - 1];
    if (request.cursor !== null && resumed !== undefined) {
      const after = decodeCursor(request.cursor);
      found.push(...seriesOf(resumed).filter(({ key }) => compareKeys(key, after) > 0));
    }
    while (found.length <= request.limit && next < servers.length) {
      found.push(...seriesOf(servers[next++] as ListedServer));
    }
    const items = found.slice(0, request.limit);
    const last = items.at(-1);
    return {
      items: items.map(({ series }) => series),
      next: found.length > request.limit && last !== undefined ? encodeCursor(last.key) : null,
    };
  }

  private async readings(series: SeriesRef, tier: Tier | undefined, now: number): Promise<RuleReading[]> {
    const checks = await applicableChecks(
      this.options.policy,
      { server: series.server, scope: scopeOf(series), tier },
      (windowMs) =>
        this.options.windows.series(series, windowMs, now, { quantiles: this.quantileWindows.has(windowMs) }),
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

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isoOrNull(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

function overallState(readings: readonly RuleReading[]): RuleStatus {
  if (readings.some((reading) => reading.state === 'firing')) return 'firing';
  if (readings.some((reading) => reading.state === 'ok')) return 'ok';
  return 'no_data';
}
