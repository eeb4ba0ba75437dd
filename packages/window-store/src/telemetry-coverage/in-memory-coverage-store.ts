import {
  COVERAGE_HORIZON_MS,
  type CoverageBatch,
  type CoverageReport,
  coverageReport,
  type LookAlikeExample,
} from '@budgetwatch/domain';
import { type CoverageStore, STORED_EXAMPLES } from './coverage-store.js';

/** The coverage of embedded defaults: the same hour buckets as in Redis, in this process. */
export class InMemoryCoverageStore implements CoverageStore {
  private readonly hours = new Map<number, Map<string, number>>();
  private examples: LookAlikeExample[] = [];

  async record(batch: CoverageBatch): Promise<void> {
    let hour = this.hours.get(batch.hourMs);
    if (hour === undefined) {
      hour = new Map();
      this.hours.set(batch.hourMs, hour);
      for (const old of this.hours.keys())
        if (old <= batch.hourMs - COVERAGE_HORIZON_MS) this.hours.delete(old);
    }
    for (const [field, count] of batch.counts) hour.set(field, (hour.get(field) ?? 0) + count);
    this.examples = [...batch.examples, ...this.examples].slice(0, STORED_EXAMPLES);
  }

  async read(nowMs: number): Promise<CoverageReport> {
    const counts: [string, number][] = [];
    for (const [hourMs, fields] of this.hours) {
      if (hourMs > nowMs - COVERAGE_HORIZON_MS) counts.push(...fields);
    }
    return coverageReport(counts, this.examples, nowMs);
  }
}
