import type { SeriesRef } from '@budgetwatch/domain';
import type { Logger } from '@budgetwatch/logger';
import type { WindowStore } from '@budgetwatch/window-store';

/** What the schedule runs. */
export interface ScheduledPasses {
  /** Every active series. */
  sweep(): Promise<unknown>;
  /** The series written since the last look, when there are any. */
  evaluateWritten(series: readonly SeriesRef[]): Promise<void>;
  /** Outboxes left unpublished (a crash, Kafka down). */
  retryOutboxes(): Promise<void>;
}

export interface ScheduleIntervals {
  sweepMs: number;
  /** How often to look for series written since the last look. */
  writtenPollMs: number;
  outboxRetryMs: number;
}

/** Writes reach the active index with the worker's clock; look back this far to cover skew. */
const WRITTEN_OVERLAP_MS = 2000;

/**
 * When the evaluator works: a sweep of every series on a timer, the series just written as soon as
 * they show in the active index, and outbox retries. A pass still running when its timer fires
 * again is not started twice.
 */
export class EvaluationSchedule {
  private readonly timers: NodeJS.Timeout[] = [];
  private lastWrittenPoll = 0;
  private stopped = false;

  constructor(
    private readonly passes: ScheduledPasses,
    private readonly intervals: ScheduleIntervals,
    private readonly store: Pick<WindowStore, 'activeSeries'>,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** Starts the timers and a first sweep at once. */
  start(): void {
    this.lastWrittenPoll = this.now();
    this.every(this.intervals.sweepMs, () => this.passes.sweep());
    this.every(this.intervals.writtenPollMs, () => this.evaluateWritten());
    this.every(this.intervals.outboxRetryMs, () => this.passes.retryOutboxes());
    this.passes.sweep().catch((error: unknown) => this.logger.error({ err: error }, 'first sweep failed'));
  }

  /** No pass starts from now on; those running go on. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
  }

  private async evaluateWritten(): Promise<void> {
    const pollStarted = this.now();
    const written = await this.store.activeSeries(this.lastWrittenPoll - WRITTEN_OVERLAP_MS);
    this.lastWrittenPoll = pollStarted;
    if (written.length > 0) await this.passes.evaluateWritten(written);
  }

  private every(intervalMs: number, task: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.stopped) return;
      running = true;
      task()
        .catch((error: unknown) => this.logger.error({ err: error }, 'evaluation failed'))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}
