import type { CoverageBatch, CoverageReport } from '@budgetwatch/domain';

/**
 * Where ingest writers add their coverage tallies, hour by hour for the last day, and where the
 * API reads the report (docs/contract.md#telemetry-coverage). An observation, not a count of
 * record: a batch delivered again after a crash is added again.
 */
export interface CoverageStore {
  /** Adds one batch's tally (one write, whatever its spans). */
  record(batch: CoverageBatch): Promise<void>;
  /** The report of the current hour and the 23 before it. */
  read(nowMs: number): Promise<CoverageReport>;
}

/** Raw look-alike entries kept (each batch adds its distinct ones); the report keeps the recent 20. */
export const STORED_EXAMPLES = 200;
