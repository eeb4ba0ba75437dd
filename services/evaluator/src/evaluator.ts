import { type Policy, type SeriesRef, withDrillPasses } from '@budgetwatch/domain';
import { yieldIfTurnIsLong } from '@budgetwatch/event-loop';
import { inventoryResponders, type ResponderContext, UNREGISTERED } from '@budgetwatch/events';
import type { Logger } from '@budgetwatch/logger';
import { traced } from '@budgetwatch/telemetry';
import type { WindowReader, WindowStore } from '@budgetwatch/window-store';
import type { Histogram } from '@opentelemetry/api';
import { CrsGateEvaluation } from './crs-gate-evaluation.js';
import { EvaluationSchedule } from './evaluation-schedule.js';
import { type EvaluatorMetrics, emptyEvaluatorMetrics } from './evaluator-metrics.js';
import { evaluatorInstruments } from './evaluator-telemetry.js';
import type { EventPublisher } from './event-publisher.js';
import { OutboxPublisher } from './outbox-publisher.js';
import { RuleStateAdvancer } from './rule-state-advancer.js';
import type { RuleStateStore } from './rule-state-store.js';
import { SeriesEvaluation } from './series-evaluation.js';
import type { CrsOptions } from './server-crs.js';
import { UnregisteredAnnouncements } from './unregistered-announcements.js';

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
  /**
   * Announce servers the inventory does not list (default true with `crs`); false when the
   * inventory is only a stand-in because no inventory is configured.
   */
  announceUnregistered?: boolean;
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

const DAY = 24 * 3_600_000;
/** Series evaluated side by side in one pass. */
const PASS_CONCURRENCY = 16;

/**
 * Evaluates the policy's rules for every active series on a timer, and promptly for series that
 * just received spans. Rule states move by conditional writes, so any number of evaluators can run:
 * each transition is written by one of them, with its events, which are then published. This
 * class makes the passes out of its parts: the schedule, the series evaluation, the CRS gate and
 * the unregistered-server announcements, over one outbox publisher.
 */
export class Evaluator {
  readonly metrics: EvaluatorMetrics = emptyEvaluatorMetrics();
  private readonly now: () => number;
  private readonly outboxes: OutboxPublisher;
  private readonly seriesEvaluation: SeriesEvaluation;
  private readonly crsGate: CrsGateEvaluation;
  private readonly unregistered: UnregisteredAnnouncements;
  private readonly schedule: EvaluationSchedule;
  private readonly passDuration: Histogram;
  private stopped = false;
  private crs: CrsOptions | undefined;
  private drillPasses: ReadonlyMap<string, string> = new Map();
  private responderFor: (server: string) => ResponderContext = () => UNREGISTERED;

  constructor(private readonly options: EvaluatorOptions) {
    this.now = options.now ?? Date.now;
    ({ passDuration: this.passDuration } = evaluatorInstruments(this.metrics));
    if (options.crs !== undefined) {
      this.crs = options.crs;
      this.responderFor = inventoryResponders(options.crs.inventory);
    }
    this.outboxes = new OutboxPublisher(options.states, options.publisher, this.metrics, options.logger);
    const advancer = new RuleStateAdvancer(options.states, this.outboxes, this.metrics);
    this.seriesEvaluation = new SeriesEvaluation({
      policy: options.policy,
      windows: options.windows,
      states: options.states,
      advancer,
      responderFor: (server) => this.responderFor(server),
    });
    this.crsGate = new CrsGateEvaluation(options.policy, options.windows, advancer);
    this.unregistered = new UnregisteredAnnouncements(advancer, this.now);
    this.schedule = new EvaluationSchedule(
      {
        sweep: () => this.sweep(),
        evaluateWritten: (series) =>
          traced(
            'evaluator pass',
            { pass: 'written' },
            () => this.evaluateWritten(series),
            this.passDuration,
          ),
        retryOutboxes: () => this.outboxes.publishLeftBehind(this.now() - (options.outboxGraceMs ?? 10_000)),
      },
      {
        sweepMs: options.sweepIntervalMs ?? 15_000,
        writtenPollMs: options.dirtyPollMs ?? 250,
        outboxRetryMs: options.outboxRetryMs ?? 5000,
      },
      options.store,
      this.now,
      options.logger,
    );
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

  start(): void {
    this.schedule.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.schedule.stop();
    await this.seriesEvaluation.idle();
    await this.options.publisher.close();
  }

  /** Evaluates every series written in the last 24h; returns how many. */
  sweep(): Promise<number> {
    return traced('evaluator sweep', { pass: 'sweep' }, () => this.sweepOnce(), this.passDuration);
  }

  /** Evaluates every rule of one series; returns the transitions made. */
  evaluateSeries(series: SeriesRef): Promise<number> {
    return this.seriesEvaluation.evaluate(series, this.now());
  }

  /** Re-scores a registered server and moves its expansion gate; unregistered servers have none. */
  async evaluateCrs(serverId: string): Promise<void> {
    const crs = this.crs;
    const registered = crs?.inventory.servers.find((candidate) => candidate.id === serverId);
    if (crs === undefined || registered === undefined) return;
    const [server = registered] = withDrillPasses({ servers: [registered] }, this.drillPasses).servers;
    await this.crsGate.evaluate(server, crs, this.responderFor(serverId), this.now());
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

  private async evaluateWritten(written: readonly SeriesRef[]): Promise<void> {
    await this.evaluateAll(written);
    for (const series of written) {
      if (series.tool === null && !series.drill) await this.evaluateCrs(series.server);
    }
    await this.announceUnregistered(written);
  }

  private async evaluateAllCrs(): Promise<void> {
    if (this.options.drillPasses !== undefined) this.drillPasses = await this.options.drillPasses();
    for (const server of this.crs?.inventory.servers ?? []) {
      await yieldIfTurnIsLong();
      await this.evaluateCrs(server.id);
    }
  }

  /**
   * Only with an inventory configured: without one every server is unregistered, and announcing
   * them all would say nothing (and send each an owner-less notice to the default route).
   */
  private async announceUnregistered(series: readonly SeriesRef[]): Promise<void> {
    if (this.crs === undefined || this.options.announceUnregistered === false) return;
    await this.unregistered.announce(series, new Set(this.crs.inventory.servers.map((server) => server.id)));
  }

  /**
   * In turns: on embedded defaults every store answers from memory, and a sweep of 50,000 series
   * would otherwise hold the event loop (and the API's probes) for seconds.
   */
  private async evaluateAll(series: readonly SeriesRef[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < series.length && !this.stopped) {
        const item = series[next++];
        await yieldIfTurnIsLong();
        if (item !== undefined) await this.evaluateSeries(item);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PASS_CONCURRENCY, series.length) }, worker));
  }
}
