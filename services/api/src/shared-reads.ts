/**
 * One read per key at a time, its answer served to every caller for `freshMs` after it finished:
 * dashboards and probes poll, and many of them at once must not multiply the work. A failed read
 * is forgotten at once, so the next caller tries again.
 */
export class SharedReads<T> {
  private readonly reads = new Map<string, { doneAtMs: number | null; value: Promise<T> }>();

  constructor(
    private readonly freshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    for (const [held, entry] of this.reads) {
      if (entry.doneAtMs !== null && now - entry.doneAtMs >= this.freshMs) this.reads.delete(held);
    }
    const shared = this.reads.get(key);
    if (shared !== undefined) return shared.value;
    const entry: { doneAtMs: number | null; value: Promise<T> } = { doneAtMs: null, value: read() };
    this.reads.set(key, entry);
    entry.value.then(
      () => {
        entry.doneAtMs = this.now();
      },
      () => {
        if (this.reads.get(key) === entry) this.reads.delete(key);
      },
    );
    return entry.value;
  }
}
