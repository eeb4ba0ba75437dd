import {
  advanceCrsGate,
  advanceRuleState,
  burnRateRule,
  CRS_GATE_RULE,
  initialRuleState,
  limitsFor,
  type Measurement,
  measure,
  measureBurnRate,
  type Policy,
  type Rule,
  type RuleLimits,
  type RuleState,
  type SeriesRef,
  seriesId,
  type WindowSummary,
  withDrillPasses,
} from '@budgetwatch/domain';
import {
  type BudgetwatchEvent,
  crsGateEvent,
  inventoryResponders,
  type ResponderContext,
  transitionEvents,
  UNREGISTERED,
  UNREGISTERED_RULE,
  unregisteredServerEvent,
} from '@budgetwatch/events';
import type { Logger } from '@budgetwatch/logger';
import { traced } from '@budgetwatch/telemetry';
import type { WindowReader, WindowStore } from '@budgetwatch/window-store';
import type { Histogram } from '@opentelemetry/api';
import { evaluatorInstruments } from './evaluator-telemetry.js';
import type { EventPublisher } from './event-publisher.js';
import type { RuleStateStore, StoredRuleState } from './rule-state-store.js';
import { type CrsOptions, serverCrs } from './server-crs.js';

export interface EvaluatorOptions {
  policy: Policy;
  windows: WindowReader;
  /** For the active-series index the ingest worker keeps. */
  store: WindowStore;
  states: RuleStateStore;
  publisher: EventPublisher;
  logger: Logger;
  /**
   * The inventory, the CRS scoring and the kill-switch test age: with it, events carry each
   * server's tier, owner and responder fields, and every registered server's expansion gate is
   * evaluated (expansion.halted / resumed).
   */
  crs?: CrsOptions;
  /** Server id -> last passed drill (ISO): counts as the kill switch's test in the CRS. */
  drillPasses?: () => Promise<ReadonlyMap<string, string>>;
  /** Every active series is evaluated this often. */
  sweepIntervalMs?: number;
  /** Series written since the last look are evaluated at once; this is how often to look. */
  dirtyPollMs?: number;
  /** Outboxes left unpublished (a crash, Kafka down) are retried this often... */
  outboxRetryMs?: number;
  /** ...once they are this old, so the evaluator that queued them publishes them first. */
  outboxGraceMs?: number;
  now?: () => number;
}

export interface EvaluatorMetrics {
  evaluations: number;
  transitions: number;
  conflicts: number;
  eventsPublished: number;
  publishFailures: number;
  sweeps: number;
  lastSweepMs: number;
  lastSweepSeries: number;
}

const DAY = 24 * 3_600_000;

/** One rule to decide for a series: its limits there, and how to read its measurement. */
interface Check {
  rule: Rule;
  limits: RuleLimits;
  measure(windowOf: (windowMs: number) => Promise<WindowSummary>): Promise<Measurement>;
}
const MAX_ATTEMPTS = 4;
/** How long one evaluator may hold an outbox's publish (a send with kafkajs retries fits). */
const PUBLISH_LEASE_MS = 60_000;
/** Writes reach the active index with the worker's clock; look back this far to cover skew. */
const DIRTY_OVERLAP_MS = 2000;

/**
 * Evaluates the policy's rules for every active series on a timer, and promptly for series that
 * just received spans. Rule states move by conditional writes, so any number of evaluators can run:
 * each transition is written by one of them, with its events, which are then published.
 */
export class Evaluator {
  readonly metrics: EvaluatorMetrics = {
    evaluations: 0,
    transitions: 0,
    conflicts: 0,
    eventsPublished: 0,
    publishFailures: 0,
    sweeps: 0,
    lastSweepMs: 0,
    lastSweepSeries: 0,
  };
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<string>();
  /** Outboxes this process is publishing now. */
  private readonly publishing = new Set<string>();
  private lastDirtyPoll = 0;
  private stopped = false;
  private crs: CrsOptions | undefined;
  private drillPasses: ReadonlyMap<string, string> = new Map();
  /** Servers this process knows are announced as unregistered. */
  private readonly announced = new Set<string>();
  private responderFor: (server: string) => ResponderContext = () => UNREGISTERED;
  private readonly passDuration: Histogram;

  constructor(private readonly options: EvaluatorOptions) {
    this.now = options.now ?? Date.now;
    ({ passDuration: this.passDuration } = evaluatorInstruments(this.metrics));
    if (options.crs !== undefined) {
      this.crs = options.crs;
      this.responderFor = inventoryResponders(options.crs.inventory);
    }
  }

  /**
   * A new inventory (the file changed): events carry the new responder fields from now on, and
   * every registered server's CRS is recomputed at once.
   */
  setInventory(inventory: CrsOptions['inventory']): Promise<void> {
    if (this.options.crs === undefined) return Promise.resolve();
    this.crs = { ...this.options.crs, inventory };
    this.responderFor = inventoryResponders(inventory);
    return this.evaluateAllCrs();
  }

  private async evaluateAllCrs(): Promise<void> {
    if (this.options.drillPasses !== undefined) this.drillPasses = await this.options.drillPasses();
    for (const server of this.crs?.inventory.servers ?? []) await this.evaluateCrs(server.id);
  }

  start(): void {
    this.lastDirtyPoll = this.now();
    this.every(this.options.sweepIntervalMs ?? 15_000, () => this.sweep());
    this.every(this.options.dirtyPollMs ?? 250, () => this.evaluateDirty());
    this.every(this.options.outboxRetryMs ?? 5000, () => this.drainOutboxes());
    this.sweep().catch((error: unknown) => this.options.logger.error({ err: error }, 'first sweep failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    while (this.inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await this.options.publisher.close();
  }

  /** Evaluates every series written in the last 24h; returns how many. */
  sweep(): Promise<number> {
    return traced('evaluator sweep', { pass: 'sweep' }, () => this.sweepOnce(), this.passDuration);
  }

  private async sweepOnce(): Promise<number> {
    const started = this.now();
    const series = await this.options.store.activeSeries(started - DAY);
    await this.evaluateAll(series);
    await this.evaluateAllCrs();
    await this.announceUnregistered(series);
    this.metrics.lastSweepMs = this.now() - started;
    this.metrics.lastSweepSeries = series.length;
    this.metrics.sweeps += 1;
    return series.length;
  }

  /** Evaluates every rule of one series; returns the transitions made. */
  async evaluateSeries(series: SeriesRef): Promise<number> {
    const id = seriesId(series);
    if (this.inFlight.has(id)) return 0;
    this.inFlight.add(id);
    try {
      return await this.evaluateRules(series, id);
    } finally {
      this.inFlight.delete(id);
    }
  }

  private async evaluateRules(series: SeriesRef, id: string): Promise<number> {
    const checks = this.checksFor(series);
    if (checks.length === 0) return 0;
    const now = this.now();
    const stored = await this.options.states.read(
      id,
      checks.map((check) => check.rule.id),
    );
    // Decisions use exact counters only; the latency sketch (a quantile people read) is fetched
    // for the few evaluations that emit events, which keeps a sweep to the counter rings.
    const summaries = new Map<string, Promise<WindowSummary>>();
    const windowOf = (windowMs: number, quantiles = false) => {
      const key = `${windowMs}:${quantiles}`;
      let summary = summaries.get(key);
      if (summary === undefined) {
        summary = this.options.windows.series(series, windowMs, now, { quantiles });
        summaries.set(key, summary);
      }
      return summary;
    };
    const withQuantiles = (windowMs: number) => windowOf(windowMs, true);
    let transitions = 0;
    for (const { rule, limits, measure: measureWith } of checks) {
      const measurement = await measureWith(windowOf);
      const moved = await this.advance(id, rule.id, stored.get(rule.id), now, async (previous) => {
        const evaluation = advanceRuleState(measurement, limits, previous, now);
        if (evaluation.transition === null) return { state: evaluation.state, events: [] };
        return {
          state: evaluation.state,
          events: transitionEvents({
            rule,
            limits,
            series,
            transition: evaluation.transition,
            position: evaluation.state,
            measurement:
              rule.metric === 'latency_quantile'
                ? { ...measurement, value: (await measureWith(withQuantiles)).value }
                : measurement,
            responder: this.responder(series),
            evaluatedAtMs: now,
          }),
        };
      });
      if (moved) transitions += 1;
    }
    return transitions;
  }

  /** Re-scores a registered server and moves its expansion gate; unregistered servers have none. */
  async evaluateCrs(serverId: string): Promise<void> {
    const crs = this.crs;
    const registered = crs?.inventory.servers.find((candidate) => candidate.id === serverId);
    if (crs === undefined || registered === undefined) return;
    const [server = registered] = withDrillPasses({ servers: [registered] }, this.drillPasses).servers;
    const now = this.now();
    const breakdown = await serverCrs(server, this.options.policy, this.options.windows, crs, now);
    const id = seriesId({ server: serverId, tool: null, drill: false });
    const stored = (await this.options.states.read(id, [CRS_GATE_RULE])).get(CRS_GATE_RULE);
    await this.advance(id, CRS_GATE_RULE, stored, now, async (previous) => {
      const gate = advanceCrsGate(previous, breakdown, now);
      if (gate.transition === null) return { state: gate.state, events: [] };
      const event = crsGateEvent({
        breakdown,
        threshold: crs.scoring.haltThreshold,
        transition: gate.transition,
        position: gate.state,
        responder: this.responderFor(serverId),
        evaluatedAtMs: now,
      });
      return { state: gate.state, events: [event] };
    });
  }

  /**
   * One budgetwatch.inventory.unregistered per production server the inventory does not list
   * (again if it is removed after being registered); only with an inventory configured, since
   * without one every server is unregistered.
   */
  private async announceUnregistered(series: readonly SeriesRef[]): Promise<void> {
    const crs = this.crs;
    if (crs === undefined) return;
    const registered = new Set(crs.inventory.servers.map((server) => server.id));
    const tools = new Map<string, Set<string>>();
    for (const entry of series) {
      if (entry.drill) continue;
      const seen = tools.get(entry.server) ?? new Set<string>();
      if (entry.tool !== null) seen.add(entry.tool);
      tools.set(entry.server, seen);
    }
    for (const [server, seen] of tools) {
      const isRegistered = registered.has(server);
      // Already announced by this process, and still unregistered: nothing to read.
      if (!isRegistered && this.announced.has(server)) continue;
      if (isRegistered && !this.announced.has(server)) continue;
      const id = seriesId({ server, tool: null, drill: false });
      const now = this.now();
      const stored = (await this.options.states.read(id, [UNREGISTERED_RULE])).get(UNREGISTERED_RULE);
      await this.advance(id, UNREGISTERED_RULE, stored, now, async (previous) => {
        if (isRegistered) {
          return {
            state: previous.status === 'firing' ? { ...previous, status: 'ok', since: now } : previous,
            events: [],
          };
        }
        if (previous.status === 'firing') return { state: previous, events: [] };
        const state = {
          status: 'firing' as const,
          since: now,
          pendingSince: null,
          breachOpen: true,
          transitions: previous.transitions + 1,
          epoch: previous.epoch,
        };
        return { state, events: [unregisteredServerEvent(server, [...seen], now, state)] };
      });
      if (isRegistered) this.announced.delete(server);
      else this.announced.add(server);
    }
  }

  /**
   * Moves one stored state by a conditional write, deciding again from what another evaluator
   * wrote when the version moved; publishes the transition's events. True when this call made a
   * transition.
   */
  private async advance(
    id: string,
    ruleId: string,
    stored: StoredRuleState | undefined,
    now: number,
    decide: (previous: RuleState) => Promise<{ state: RuleState; events: BudgetwatchEvent[] }>,
  ): Promise<boolean> {
    let previous: StoredRuleState = stored ?? { state: initialRuleState(now), version: 0 };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      this.metrics.evaluations += 1;
      const { state, events } = await decide(previous.state);
      if (JSON.stringify(state) === JSON.stringify(previous.state)) return false;
      const written = await this.options.states.write(id, ruleId, previous.version, state, events, now);
      if (written.written) {
        if (events.length === 0) return false;
        this.metrics.transitions += 1;
        await this.publishOutbox(id, ruleId);
        return true;
      }
      // Another evaluator moved this state: decide again from what it wrote.
      this.metrics.conflicts += 1;
      previous = (await this.options.states.read(id, [ruleId])).get(ruleId) ?? previous;
    }
    return false;
  }

  /** The rules that apply to a series, and the burn-rate warning when it is switched on. */
  private checksFor(series: SeriesRef): Check[] {
    const scope = series.tool === null ? 'server' : 'tool';
    const tier = this.responder(series).tier ?? undefined;
    const { rules, burnRate } = this.options.policy;
    const checks: Check[] = rules
      .filter((rule) => rule.scopes.includes(scope))
      .map((rule) => {
        const limits = limitsFor(rule, tier);
        return {
          rule,
          limits,
          measure: async (windowOf) => measure(rule, limits, await windowOf(rule.windowMs)),
        };
      });
    const target = rules.find((rule) => rule.id === burnRate.ruleId);
    if (burnRate.enabled && target?.scopes.includes(scope)) {
      const rule = burnRateRule(burnRate, target);
      const limits = limitsFor(rule, tier);
      checks.push({
        rule,
        limits,
        measure: async (windowOf) =>
          measureBurnRate(
            burnRate,
            limits,
            await windowOf(burnRate.longWindowMs),
            await windowOf(burnRate.shortWindowMs),
          ),
      });
    }
    return checks;
  }

  private responder(series: SeriesRef): ResponderContext {
    return this.responderFor(series.server);
  }

  /**
   * Publishes one outbox and clears it. One publish per outbox at a time, in this process and
   * across replicas (a lease in Redis), and the outbox is read after the lease is taken: a copy read
   * earlier may already have been published, and publishing it again would duplicate its events.
   */
  private async publishOutbox(seriesId: string, ruleId: string): Promise<void> {
    const key = `${seriesId}\u0000${ruleId}`;
    if (this.publishing.has(key)) return;
    this.publishing.add(key);
    let lease: string | null = null;
    try {
      lease = await this.options.states.claimOutbox(seriesId, ruleId, PUBLISH_LEASE_MS);
      if (lease === null) return;
      const outbox = await this.options.states.outbox(seriesId, ruleId);
      if (outbox === undefined) return;
      try {
        await this.options.publisher.publish(outbox.events);
      } catch (error) {
        // Kept in Redis: the outbox retry publishes it once Kafka is back.
        this.metrics.publishFailures += 1;
        this.options.logger.warn(
          { err: error, series: outbox.seriesId, rule: outbox.ruleId, events: outbox.events.length },
          'events not published yet; will retry',
        );
        return;
      }
      this.metrics.eventsPublished += outbox.events.length;
      try {
        await this.options.states.clearOutbox(outbox);
      } catch (error) {
        // The outbox stays, so the retry publishes these events again, with the same ids and
        // content: the at-least-once case of docs/operations.md, "Delivery guarantees".
        this.options.logger.warn(
          { err: error, series: outbox.seriesId, rule: outbox.ruleId, events: outbox.events.length },
          'events published but not marked as published; they will be published again',
        );
      }
    } finally {
      if (lease !== null) await this.options.states.releaseOutbox(seriesId, ruleId, lease);
      this.publishing.delete(key);
    }
  }

  private async evaluateDirty(): Promise<void> {
    const pollStarted = this.now();
    const dirty = await this.options.store.activeSeries(this.lastDirtyPoll - DIRTY_OVERLAP_MS);
    this.lastDirtyPoll = pollStarted;
    if (dirty.length === 0) return;
    await traced('evaluator pass', { pass: 'written' }, () => this.evaluateWritten(dirty), this.passDuration);
  }

  private async evaluateWritten(dirty: readonly SeriesRef[]): Promise<void> {
    await this.evaluateAll(dirty);
    for (const series of dirty) {
      if (series.tool === null && !series.drill) await this.evaluateCrs(series.server);
    }
    await this.announceUnregistered(dirty);
  }

  private async drainOutboxes(): Promise<void> {
    const stale = await this.options.states.outboxes(this.now() - (this.options.outboxGraceMs ?? 10_000));
    for (const outbox of stale) await this.publishOutbox(outbox.seriesId, outbox.ruleId);
  }

  private async evaluateAll(series: readonly SeriesRef[]): Promise<void> {
    const concurrency = 16;
    let next = 0;
    const worker = async () => {
      while (next < series.length && !this.stopped) {
        const item = series[next++];
        if (item !== undefined) await this.evaluateSeries(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, series.length) }, worker));
  }

  private every(intervalMs: number, task: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.stopped) return;
      running = true;
      task()
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'evaluation failed'))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}
