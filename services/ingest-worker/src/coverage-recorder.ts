import { CoverageAdmission, CoverageTally, type Recognizer } from '@budgetwatch/domain';
import type { Logger } from '@budgetwatch/logger';
import type { CoverageStore } from '@budgetwatch/window-store';

/**
 * Telemetry coverage of both ingest paths: a tally per batch, counted in memory span by span and
 * added to the store once the batch's calls are in the windows. Coverage is an observation: a
 * failed write is logged and dropped, never retried into the batch (docs/operations.md#telemetry-coverage).
 */
export class CoverageRecorder {
  /** Which sources, servers and tools have a row of their own this hour, for this writer's life. */
  private readonly admission = new CoverageAdmission();

  constructor(
    private readonly store: CoverageStore | undefined,
    private readonly logger: Logger,
    /** The profiles in force (the look-alike check needs to know which built-ins are off). */
    private readonly inForce: Recognizer,
  ) {}

  /** A tally for a batch processed at `nowMs` (its counters feed /metrics even when nothing stores it). */
  tally(nowMs: number): CoverageTally {
    return new CoverageTally(this.admission, nowMs, this.inForce);
  }

  async record(tally: CoverageTally): Promise<void> {
    if (this.store === undefined) return;
    try {
      await this.store.record(tally.batch());
    } catch (error) {
      this.logger.warn({ err: error }, "a batch's telemetry coverage was not stored");
    }
  }
}
