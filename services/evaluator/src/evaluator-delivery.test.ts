import { DEFAULT_POLICY, type PositionedCall, type ToolCall } from '@budgetwatch/domain';
import type { BudgetwatchEvent } from '@budgetwatch/events';
import { createLogger } from '@budgetwatch/logger';
import { InMemoryWindowStore, WindowReader, writeBatchExactlyOnce } from '@budgetwatch/window-store';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Evaluator } from './evaluator.js';
import type { EventPublisher } from './event-publisher.js';
import { InMemoryRuleStateStore } from './memory/in-memory-rule-state-store.js';
import type { Outbox } from './rule-state-store.js';

/**
 * What the evaluator promises its subscribers (docs/operations.md, "Delivery guarantees"): every
 * transition is published at least once; a re-publication carries the same ids and content; a
 * history started again after its state was lost never reuses an id.
 */
const THRESHOLDS_MS = [3000];
const NOW = Date.UTC(2026, 10, 28, 12);
const SERIES = { server: 'payments', tool: 'refund', drill: false };

class RecordingPublisher implements EventPublisher {
  readonly published: BudgetwatchEvent[] = [];
  async publish(events: readonly BudgetwatchEvent[]): Promise<void> {
    this.published.push(...structuredClone([...events]));
  }
  async close(): Promise<void> {}
}

/** A rule-state store whose outbox clears fail while `failing` is set: Redis gone after a publish. */
class ClearFailingStore extends InMemoryRuleStateStore {
  failing = false;
  override async clearOutbox(outbox: Outbox): Promise<void> {
    if (this.failing) throw new Error('Connection is closed.');
    return super.clearOutbox(outbox);
  }
}

async function failingCalls(windows: InMemoryWindowStore, offset: number): Promise<void> {
  const call: ToolCall = {
    ...SERIES,
    outcome: 'error',
    fallback: false,
    latencyMs: 20,
    eventTimeMs: NOW - 1000,
    unregistered: false,
  };
  const entries: PositionedCall[] = Array.from({ length: 100 }, () => ({ call, offset }));
  await writeBatchExactlyOnce(windows, { topic: 'spans', partition: 0 }, entries, offset, NOW, THRESHOLDS_MS);
}

function evaluatorOver(
  windows: InMemoryWindowStore,
  states: InMemoryRuleStateStore,
  publisher: EventPublisher,
  now: () => number = () => NOW,
) {
  return new Evaluator({
    policy: DEFAULT_POLICY,
    windows: new WindowReader(windows, THRESHOLDS_MS),
    store: windows,
    states,
    publisher,
    logger: createLogger({ name: 'evaluator-test', level: 'silent' }),
    outboxRetryMs: 1000,
    outboxGraceMs: 0,
    now,
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('evaluator delivery', () => {
  it('publishes an outbox again, with the same ids and content, when its clear was lost', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const windows = new InMemoryWindowStore({ thresholdsMs: THRESHOLDS_MS }, () => NOW);
    await failingCalls(windows, 1);
    const states = new ClearFailingStore(() => NOW);
    const publisher = new RecordingPublisher();
    const evaluator = evaluatorOver(windows, states, publisher);

    states.failing = true;
    expect(await evaluator.evaluateSeries(SERIES)).toBe(1);
    const first = [...publisher.published];
    expect(first.map((event) => event.type)).toEqual([
      'budgetwatch.budget.breached',
      'budgetwatch.traffic.frozen',
    ]);

    states.failing = false;
    evaluator.start();
    await vi.advanceTimersByTimeAsync(1000);
    await evaluator.stop();
    // The first sweep also decides the server's rollup; the tool's outbox goes out again as it was.
    const again = publisher.published
      .slice(first.length)
      .filter((event) => event.subject === 'payments/refund');
    expect(again).toEqual(first);
    expect(await states.outboxes(NOW)).toEqual([]);
  });

  it('a state lost and decided again gets new event ids, never those of the lost history', async () => {
    const windows = new InMemoryWindowStore({ thresholdsMs: THRESHOLDS_MS }, () => NOW);
    await failingCalls(windows, 1);
    let clock = NOW;
    const before = new RecordingPublisher();
    await evaluatorOver(windows, new InMemoryRuleStateStore(() => clock), before, () => clock).evaluateSeries(
      SERIES,
    );
    // The same breach, decided again a minute later from a store that lost every state.
    clock += 60_000;
    const after = new RecordingPublisher();
    await evaluatorOver(windows, new InMemoryRuleStateStore(() => clock), after, () => clock).evaluateSeries(
      SERIES,
    );

    expect(after.published.map((event) => event.type)).toEqual(before.published.map((event) => event.type));
    expect(after.published.map((event) => event.data)).toMatchObject(
      before.published.map((event) => ({ rule: event.data.rule, server: event.data.server })),
    );
    const lostIds = new Set(before.published.map((event) => event.id));
    for (const event of after.published) expect(lostIds.has(event.id)).toBe(false);
  });
});
