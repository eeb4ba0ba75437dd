import { isSettled, type SubjectDecisions } from './decision-state.js';

/** One change of the feed: a subject as it is from `version` on (`decisions: []`: cleared). */
export interface DecisionChange {
  version: number;
  subject: SubjectDecisions;
}

/** What a reader resuming after `version` gets: the changes since, or a snapshot to start over. */
export type Resumption =
  | { kind: 'changes'; changes: DecisionChange[] }
  | { kind: 'snapshot'; version: number; decisions: SubjectDecisions[] };

export type DecisionListener = (change: DecisionChange) => void;

/** How many changes a feed keeps for readers that resume (SSE Last-Event-ID). */
export const DEFAULT_RESUMABLE_CHANGES = 10_000;

/**
 * The decisions in force as a versioned feed (docs/policy-engines.md): the current subjects, a
 * bounded log of the latest changes so a reader that lost its connection gets exactly what it
 * missed, and listeners for live changes. Versions come from the source (the compacted topic's
 * offset + 1, or a counter in process) and only grow; a change with an older version is ignored.
 */
export class DecisionFeed {
  private readonly subjects = new Map<string, SubjectDecisions>();
  private readonly log: DecisionChange[] = [];
  /** The log's first change is at an index this far into `log` (dropped lazily, in chunks). */
  private logStart = 0;
  /** The version of the last change dropped from the log: a reader at or after it can resume. */
  private floor = 0;
  private currentVersion = 0;
  private readonly listeners = new Set<DecisionListener>();

  constructor(private readonly resumableChanges = DEFAULT_RESUMABLE_CHANGES) {
    if (!Number.isSafeInteger(resumableChanges) || resumableChanges < 1) {
      throw new Error(`resumableChanges must be a positive integer, not ${resumableChanges}`);
    }
  }

  get version(): number {
    return this.currentVersion;
  }

  /** Records a subject's state as of `version`; returns false (and changes nothing) for an old version. */
  record(version: number, subject: SubjectDecisions): boolean {
    if (!Number.isSafeInteger(version) || version <= this.currentVersion) return false;
    this.currentVersion = version;
    if (isSettled(subject)) this.subjects.delete(subject.key);
    else this.subjects.set(subject.key, subject);
    const change = { version, subject };
    this.log.push(change);
    if (this.log.length - this.logStart > this.resumableChanges) {
      this.floor = (this.log[this.logStart] as DecisionChange).version;
      this.logStart += 1;
      // Shift the array only now and then, so recording stays O(1) amortised.
      if (this.logStart >= this.resumableChanges) {
        this.log.splice(0, this.logStart);
        this.logStart = 0;
      }
    }
    for (const listener of this.listeners) listener(change);
    return true;
  }

  /** Every subject with a decision in force (on `server` and its tools, when given), by key. */
  current(server?: string): SubjectDecisions[] {
    return [...this.subjects.values()]
      .filter((subject) => server === undefined || subject.server === server)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * What a reader that has seen everything up to `version` is missing: the changes after it, when
   * the log still holds them all; otherwise (too old, unknown, or from before a restart of an
   * in-process feed) a snapshot.
   */
  resume(version: number | null, server?: string): Resumption {
    if (
      version === null ||
      !Number.isSafeInteger(version) ||
      version < this.floor ||
      version > this.currentVersion
    ) {
      return { kind: 'snapshot', version: this.currentVersion, decisions: this.current(server) };
    }
    const changes: DecisionChange[] = [];
    // The log is ordered by version: walk back from the end to the first change after `version`.
    for (let i = this.log.length - 1; i >= this.logStart; i--) {
      const change = this.log[i] as DecisionChange;
      if (change.version <= version) break;
      if (server === undefined || change.subject.server === server) changes.push(change);
    }
    return { kind: 'changes', changes: changes.reverse() };
  }

  /** Calls `listener` with every change from now on; returns the function that stops it. */
  subscribe(listener: DecisionListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
