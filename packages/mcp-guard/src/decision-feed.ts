import { decisionKey } from '@budgetwatch/events';
import type { FeedFreshness } from './guard-decision.js';
import type { SubjectDecisions } from './subject-decisions.js';

/** Where a guard learns the decisions in force: the API's SSE stream or the compacted topic. */
export interface DecisionFeed {
  /** The decisions on a server (tool null) or one of its tools; undefined when none apply. */
  subject(server: string, tool: string | null): SubjectDecisions | undefined;
  freshness(): FeedFreshness;
  /** Called after every change of state (not on keepalives); returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Resolves once the feed holds a full state; rejects after timeoutMs. */
  whenSynced(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Feeds hold at most this many subjects: a topic or stream cannot grow a guard without bound. */
export const MAX_SUBJECTS = 100_000;

/**
 * The state both feeds fold their messages into, and their freshness: one place for what a
 * snapshot, a change and a tombstone mean. A feed in itself, for decisions a program sets.
 */
export class DecisionStore implements DecisionFeed {
  readonly #subjects = new Map<string, SubjectDecisions>();
  readonly #listeners = new Set<() => void>();
  readonly #syncWaiters = new Set<() => void>();
  #synced = false;
  #lastActivityMs: number | undefined;

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.#subjects.size;
  }

  subject(server: string, tool: string | null): SubjectDecisions | undefined {
    return this.#subjects.get(decisionKey({ server, tool }));
  }

  freshness(): FeedFreshness {
    return { synced: this.#synced, lastActivityMs: this.#lastActivityMs };
  }

  /** Bytes or records arrived: the feed is alive. */
  touch(): void {
    this.#lastActivityMs = this.now();
  }

  /** The full state: what is not in it no longer applies. */
  replaceAll(subjects: readonly SubjectDecisions[]): void {
    this.#subjects.clear();
    for (const subject of subjects) this.#set(subject);
    this.markSynced();
  }

  /** One subject's new state; no decisions (or a tombstone) removes it. */
  put(subject: SubjectDecisions): void {
    this.#set(subject);
    this.#changed();
  }

  remove(key: string): void {
    if (this.#subjects.delete(key)) this.#changed();
  }

  markSynced(): void {
    this.touch();
    const first = !this.#synced;
    this.#synced = true;
    if (first) for (const wake of this.#syncWaiters) wake();
    this.#syncWaiters.clear();
    this.#changed();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  whenSynced(timeoutMs: number): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#syncWaiters.delete(wake);
        reject(new Error(`the decision feed sent no full state within ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#syncWaiters.add(wake);
    });
  }

  async close(): Promise<void> {}

  #set(subject: SubjectDecisions): void {
    // The key is computed, not taken from the message, so a subject is found the way the guard looks.
    const key = decisionKey({ server: subject.server, tool: subject.tool });
    if (subject.decisions.length === 0) this.#subjects.delete(key);
    else if (this.#subjects.has(key) || this.#subjects.size < MAX_SUBJECTS) this.#subjects.set(key, subject);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/**
 * A feed that folds what it reads into a DecisionStore and answers from it: the SSE and the
 * topic feeds differ only in how they read.
 */
export abstract class StoreFedFeed implements DecisionFeed {
  protected readonly store: DecisionStore;

  constructor(now: () => number) {
    this.store = new DecisionStore(now);
  }

  subject(server: string, tool: string | null): SubjectDecisions | undefined {
    return this.store.subject(server, tool);
  }

  freshness(): FeedFreshness {
    return this.store.freshness();
  }

  onChange(listener: () => void): () => void {
    return this.store.onChange(listener);
  }

  whenSynced(timeoutMs: number): Promise<void> {
    return this.store.whenSynced(timeoutMs);
  }

  abstract close(): Promise<void>;
}
