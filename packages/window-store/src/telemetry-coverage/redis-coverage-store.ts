import {
  COVERAGE_HORIZON_MS,
  type CoverageBatch,
  type CoverageReport,
  coverageHours,
  coverageReport,
  type LookAlikeExample,
} from '@budgetwatch/domain';
import type { RedisClient } from '@budgetwatch/redis';
import { type CoverageStore, STORED_EXAMPLES } from './coverage-store.js';

/** Kept an hour past the horizon, so the oldest hour a report reads is still there. */
const TTL_SECONDS = (COVERAGE_HORIZON_MS + 3_600_000) / 1000;

/**
 * Coverage in Redis: per hour a hash `<prefix>{coverage}:h:<hour start ms>` of counters, and the
 * recent look-alikes in the list `<prefix>{coverage}:examples`. One hash tag, so a batch is one
 * pipeline on a Redis Cluster too: HINCRBYs, EXPIRE, LPUSH, LTRIM.
 */
export class RedisCoverageStore implements CoverageStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private hourKey(hourMs: number): string {
    return `${this.prefix}{coverage}:h:${hourMs}`;
  }

  private get examplesKey(): string {
    return `${this.prefix}{coverage}:examples`;
  }

  async record(batch: CoverageBatch): Promise<void> {
    if (batch.counts.length === 0 && batch.examples.length === 0) return;
    const key = this.hourKey(batch.hourMs);
    const pipeline = this.redis.pipeline();
    for (const [field, count] of batch.counts) pipeline.hincrby(key, field, count);
    pipeline.expire(key, TTL_SECONDS);
    if (batch.examples.length > 0) {
      pipeline
        .lpush(this.examplesKey, ...batch.examples.map((example) => JSON.stringify(example)))
        .ltrim(this.examplesKey, 0, STORED_EXAMPLES - 1)
        .expire(this.examplesKey, TTL_SECONDS);
    }
    for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
  }

  async read(nowMs: number): Promise<CoverageReport> {
    const pipeline = this.redis.pipeline();
    for (const hourMs of coverageHours(nowMs)) pipeline.hgetall(this.hourKey(hourMs));
    pipeline.lrange(this.examplesKey, 0, STORED_EXAMPLES - 1);
    const replies = (await pipeline.exec()) ?? [];
    const counts: [string, number][] = [];
    const examples: LookAlikeExample[] = [];
    replies.forEach(([error, reply], i) => {
      if (error) throw error;
      if (i < replies.length - 1) {
        for (const [field, count] of Object.entries(reply as Record<string, string>))
          counts.push([field, Number(count)]);
      } else {
        for (const text of reply as string[]) {
          try {
            examples.push(JSON.parse(text) as LookAlikeExample);
          } catch {
            // Not written by this store: skipped.
          }
        }
      }
    });
    return coverageReport(counts, examples, nowMs);
  }
}
