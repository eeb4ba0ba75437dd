import {
  type CallOutcome,
  DEFAULT_POLICY,
  type Inventory,
  type InventoryServer,
  type PositionedCall,
  type SeriesDelta,
  type SeriesRef,
  seriesId,
  type ToolCall,
} from '@budgetwatch/domain';
import { compliantTier2 } from '@budgetwatch/domain/fixtures';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { createLogger } from '@budgetwatch/logger';
import { InMemoryWindowStore, WindowReader, writeBatchExactlyOnce } from '@budgetwatch/window-store';
import { Evaluator, type EvaluatorOptions } from './evaluator.js';
import type { EventPublisher } from './event-publisher.js';
import { InMemoryRuleStateStore } from './memory/in-memory-rule-state-store.js';

/** The latency thresholds the bed's windows count slow calls for (the playbook's p95 rule: 3 s). */
export const BED_THRESHOLDS_MS = [3000];
const BED_START_MS = Date.UTC(2026, 10, 28, 12);

/** Keeps every event published, in order. */
export class RecordingPublisher implements EventPublisher {
  readonly published: BudgetwatchEvent[] = [];

  async publish(events: readonly BudgetwatchEvent[]): Promise<void> {
    this.published.push(...structuredClone([...events]));
  }

  async close(): Promise<void> {}
}

/** How the calls of one `record` end; by default they succeed in 20 ms, just now. */
export interface CallShape {
  outcome?: CallOutcome;
  fallback?: boolean;
  latencyMs?: number;
  /** How long before the bed's now the calls ended. */
  agoMs?: number;
}

/**
 * Evaluators on the in-memory adapters of the embedded mode, with a clock that moves only when a
 * test moves it: windows, rule states and the events published, all in this process.
 */
export class EvaluationBed {
  nowMs = BED_START_MS;
  readonly now = (): number => this.nowMs;
  readonly windowStore = new InMemoryWindowStore({ thresholdsMs: BED_THRESHOLDS_MS }, this.now);
  readonly windows = new WindowReader(this.windowStore, BED_THRESHOLDS_MS);
  readonly states = new InMemoryRuleStateStore(this.now);
  readonly publisher = new RecordingPublisher();
  private offset = 0;

  advance(ms: number): void {
    this.nowMs += ms;
  }

  /** Counts `count` calls of `tool` on `server` into the windows, as an ingest worker would. */
  async record(server: string, tool: string, count: number, shape: CallShape = {}): Promise<void> {
    const call: ToolCall = {
      server,
      tool,
      drill: false,
      outcome: shape.outcome ?? 'ok',
      fallback: shape.fallback ?? false,
      latencyMs: shape.latencyMs ?? 20,
      eventTimeMs: this.nowMs - (shape.agoMs ?? 1000),
      unregistered: false,
    };
    this.offset += 1;
    const entries: PositionedCall[] = Array.from({ length: count }, () => ({ call, offset: this.offset }));
    await writeBatchExactlyOnce(
      this.windowStore,
      { topic: 'spans', partition: 0 },
      entries,
      this.offset,
      this.nowMs,
      BED_THRESHOLDS_MS,
    );
  }

  /**
   * Writes `count` series without calls, spread over `servers` servers (`load-<n>-mcp`): each
   * server's rollup first, then tools. What the active index and a sweep see of a large fleet.
   */
  async writeManySeries(count: number, servers: number): Promise<void> {
    const deltas: SeriesDelta[] = Array.from({ length: count }, (_, i) => {
      const series: SeriesRef = {
        server: `load-${i % servers}-mcp`,
        tool: i < servers ? null : `tool-${i}`,
        drill: false,
      };
      return { id: seriesId(series), series, buckets: new Map(), calls: 0 };
    });
    this.offset += 1;
    await this.windowStore.applyDeltas(deltas, { topic: 'spans', partition: 0 }, new Map(), this.offset);
  }

  /** An evaluator over the bed's stores and clock, publishing to the bed's publisher. */
  evaluator(options: Partial<EvaluatorOptions> = {}): Evaluator {
    return new Evaluator({
      policy: DEFAULT_POLICY,
      windows: this.windows,
      store: this.windowStore,
      states: this.states,
      publisher: this.publisher,
      logger: createLogger({ name: 'evaluation-bed', level: 'silent' }),
      now: this.now,
      ...options,
    });
  }

  /** The types of the events published so far for `subject` (a server, or server/tool). */
  eventTypes(subject: string): string[] {
    return this.publisher.published
      .filter((event) => event.subject === subject)
      .map((event) => event.type.replace('budgetwatch.', ''));
  }
}

/**
 * A registered Tier 1 server of read-only public data, with an owner, OAuth with scopes and a
 * kill switch tested eight days before the bed's clock starts: its CRS is 6 (B 30) plus a quarter
 * of its reliability gap.
 */
export function registeredServer(id: string, overrides: Partial<InventoryServer> = {}): InventoryServer {
  return compliantTier2({
    id,
    name: id,
    tier: 1,
    dataSensitivity: 'public',
    writeCapability: 'none',
    ...overrides,
  });
}

/** The evaluator's inventory options for `servers`, with the default CRS scoring. */
export function inventoryOptions(...servers: InventoryServer[]): NonNullable<EvaluatorOptions['crs']> {
  const inventory: Inventory = { servers };
  return { inventory, scoring: DEFAULT_POLICY.crs, killSwitchMaxAgeDays: 30 };
}
