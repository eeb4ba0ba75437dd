import {
  COVERAGE_HORIZON_MS,
  type CoverageBatch,
  type CoverageReport,
  coverageHours,
  coverageReport,
  type LookAlikeExample,
} from '@budgetwatch/domain';
import { defineLuaScripts, type RedisClient, readLuaScript } from '@budgetwatch/redis';
import { type CoverageStore, STORED_EXAMPLES } from './coverage-store.js';

const SCRIPTS = { addCoverage: { keys: 2, source: readLuaScript('add-coverage-1', import.meta.url) } };

interface CoverageScripts {
  addCoverage(hourKey: string, examplesKey: string, ...args: (string | number)[]): Promise<number>;
}

/** Kept an hour past the horizon, so the oldest hour a report reads is still there. */
const TTL_SECONDS = (COVERAGE_HORIZON_MS + 3_600_000) / 1000;

/**
 * Coverage in Redis: per hour a hash `<prefix>{coverage}:h:<hour start ms>` of counters, and the
 * recent look-alikes in the list `<prefix>{coverage}:examples`. A batch is one script call
 * (add-coverage-1.lua), the keys under one hash tag for a Redis Cluster.
 */
export class RedisCoverageStore implements CoverageStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    defineLuaScripts(redis, SCRIPTS);
  }

  private hourKey(hourMs: number): string {
    return `${this.prefix}{coverage}:h:${hourMs}`;
  }

  private get examplesKey(): string {
    return `${this.prefix}{coverage}:examples`;
  }

  async record(batch: CoverageBatch): Promise<void> {
    if (batch.counts.length === 0 && batch.examples.length === 0) return;
    await (this.redis as unknown as CoverageScripts).addCoverage(
      this.hourKey(batch.hourMs),
      this.examplesKey,
      TTL_SECONDS,
      STORED_EXAMPLES,
      batch.counts.length,
      ...batch.counts.flat(),
      ...batch.examples.map((example) => JSON.stringify(example)),
    );
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
