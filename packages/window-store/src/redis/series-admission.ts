import {
  type AdmissionVerdict,
  type CardinalityLimits,
  parseSeriesId,
  rollupOf,
  SERIES_EXPIRY_MARGIN_MS,
  seriesId,
  seriesLifetimeMs,
} from '@budgetwatch/domain';
import type { AdmissionRequest } from '../window-store.js';
import type { WindowKeys } from './window-keys.js';
import type { ScriptedRedis } from './window-scripts.js';

/** How long a verdict keeping a series out is reused before Redis is asked again (a slot may free). */
const REFUSAL_REUSE_MS = 10_000;
/** Refusals remembered at most: a flood of new names must not grow the cache without bound. */
const MAX_REFUSALS_KEPT = 10_000;
/** New series decided per script call: a flood of new names keeps each Redis step short. */
const ADMIT_CHUNK = 1000;

const VERDICTS: readonly AdmissionVerdict[] = [
  { kind: 'admitted' },
  { kind: 'other_tool', cap: 'tools_per_server' },
  { kind: 'other_tool', cap: 'tool_series' },
  { kind: 'overflow_server', cap: 'unregistered_servers' },
];

/**
 * Admission shared by every worker of one Redis (admit-series-1.lua), with what this process
 * learnt kept in memory so that an admitted series costs no round trip. An admitted series stays
 * admitted until forgotten, which needs it quiet for its lifetime: a series this process wrote at
 * `t` cannot be forgotten before `t + lifetime`, so the cached verdict is trusted until then, less
 * a margin for the workers' clocks to differ.
 */
export class RedisSeriesAdmission {
  /** Series id -> until when it is known to be admitted (ms, this process's clock). */
  private readonly admitted = new Map<string, number>();
  /** Series id -> a refusal and until when it is reused. */
  private readonly refused = new Map<string, { verdict: AdmissionVerdict; untilMs: number }>();

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: WindowKeys,
    private readonly limits: CardinalityLimits,
  ) {}

  async admit(requests: readonly AdmissionRequest[], nowMs: number): Promise<AdmissionVerdict[]> {
    const verdicts: AdmissionVerdict[] = new Array(requests.length);
    const asked: number[] = [];
    const ids: string[] = [];
    const args: string[] = [];
    requests.forEach(({ series, unregistered }, i) => {
      const id = seriesId(series);
      ids.push(id);
      const admittedUntil = this.admitted.get(id);
      if (admittedUntil !== undefined && admittedUntil > nowMs) {
        verdicts[i] = VERDICTS[0] as AdmissionVerdict;
        this.admitted.set(id, nowMs + trustedForMs(series));
        return;
      }
      const refusal = this.refused.get(id);
      if (refusal !== undefined && refusal.untilMs > nowMs) {
        verdicts[i] = refusal.verdict;
        return;
      }
      asked.push(i);
      args.push(id, seriesId(rollupOf(series)), unregistered ? '1' : '0');
    });
    if (asked.length === 0) return verdicts;

    const codes: number[] = [];
    for (let from = 0; from < args.length; from += 3 * ADMIT_CHUNK) {
      const chunk = await this.redis.admitSeries(
        ...this.keys.admission(),
        this.limits.maxToolsPerServer,
        this.limits.maxToolSeries,
        this.limits.maxUnregisteredServers,
        ...args.slice(from, from + 3 * ADMIT_CHUNK),
      );
      codes.push(...chunk);
    }
    if (this.refused.size > MAX_REFUSALS_KEPT) this.refused.clear();
    asked.forEach((i, n) => {
      const verdict = VERDICTS[codes[n] ?? -1];
      if (verdict === undefined) throw new Error(`admit-series-1.lua answered ${String(codes[n])}`);
      const id = ids[i] as string;
      verdicts[i] = verdict;
      if (verdict.kind === 'admitted') {
        this.admitted.set(id, nowMs + trustedForMs((requests[i] as AdmissionRequest).series));
        this.refused.delete(id);
      } else {
        this.refused.set(id, { verdict, untilMs: nowMs + REFUSAL_REUSE_MS });
      }
    });
    return verdicts;
  }

  /** Frees the admission of forgotten series, shared and cached. */
  async release(forgottenIds: readonly string[]): Promise<void> {
    if (forgottenIds.length === 0) return;
    const args: string[] = [];
    for (const id of forgottenIds) {
      const series = parseSeriesId(id);
      args.push(id, series.tool === null ? '' : seriesId(rollupOf(series)));
      this.admitted.delete(id);
    }
    await this.redis.releaseSeries(...this.keys.admission(), ...args);
  }

  /** Drops cached verdicts that are no longer trusted, so the cache follows the admitted set. */
  dropExpired(nowMs: number): void {
    for (const [id, untilMs] of this.admitted) if (untilMs <= nowMs) this.admitted.delete(id);
    for (const [id, refusal] of this.refused) if (refusal.untilMs <= nowMs) this.refused.delete(id);
  }

  /** Tool series admitted and unregistered servers tracked, over every worker. */
  async usage(): Promise<{ toolSeries: number; unregisteredServers: number }> {
    const [tools, , unregistered] = this.keys.admission();
    const [toolSeries, unregisteredServers] = await Promise.all([
      this.redis.scard(tools),
      this.redis.scard(unregistered),
    ]);
    return { toolSeries, unregisteredServers };
  }
}

function trustedForMs(series: AdmissionRequest['series']): number {
  return seriesLifetimeMs(series) - SERIES_EXPIRY_MARGIN_MS;
}
