import { createHash } from 'node:crypto';
import type { SpanRecordSink } from './otlp-trace-intake.js';

/** An export write's outcome within the time the intake waits for it. */
export type WriteOutcome = 'written' | 'failed' | 'pending';

interface Write {
  /** Settles when the sink took the records (or failed). */
  done: Promise<void>;
  settled: boolean;
  atMs: number;
}

/**
 * The exports this intake wrote lately, by content. An exporter retries an export it got no answer
 * for, or a 503 whose write the broker took in the end: the retry finds its first write here, in
 * flight or done, and waits for that one instead of writing the spans again. Also what is in
 * flight to the sink, in bytes: a write is in flight until the sink settles it, answered or not.
 */
export class ExportWrites {
  private readonly writes = new Map<string, Write>();
  private inFlight = 0;

  constructor(
    private readonly sink: SpanRecordSink,
    private readonly options: {
      rememberMs: number;
      maxRemembered: number;
      now?: () => number;
      /** Told of every failed write (the intake logs them). */
      onFailure?: (error: unknown) => void;
    },
  ) {}

  get inFlightBytes(): number {
    return this.inFlight;
  }

  /** The content key of an export: the same request bytes are the same spans. */
  static keyOf(bytes: Uint8Array, encoding: string): string {
    return createHash('sha256').update(encoding).update(bytes).digest('base64url');
  }

  /** Whether an export with this key was written or is being written (a retry). */
  has(key: string): boolean {
    this.forgetOld();
    return this.writes.has(key);
  }

  /**
   * Writes the records once per key, and resolves with the outcome within `waitMs`: `pending`
   * leaves the write going on (a retry of the export then waits for it).
   */
  async write(key: string, records: readonly Uint8Array[], waitMs: number): Promise<WriteOutcome> {
    this.forgetOld();
    let write = this.writes.get(key);
    if (write === undefined) {
      const bytes = records.reduce((sum, record) => sum + record.length, 0);
      this.inFlight += bytes;
      const entry: Write = {
        done: this.sink.send(records).finally(() => {
          this.inFlight -= bytes;
          entry.settled = true;
        }),
        settled: false,
        atMs: this.now(),
      };
      // A failed write is forgotten at once: the retry of its export must write again.
      entry.done.catch((error: unknown) => {
        this.writes.delete(key);
        this.options.onFailure?.(error);
      });
      this.writes.set(key, entry);
      write = entry;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<WriteOutcome>((resolve) => {
      timer = setTimeout(() => resolve('pending'), waitMs);
    });
    try {
      return await Promise.race([
        write.done.then(
          () => 'written' as const,
          () => 'failed' as const,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Settled writes older than the memory, and the oldest beyond its size, are forgotten. */
  private forgetOld(): void {
    const oldest = this.now() - this.options.rememberMs;
    for (const [key, write] of this.writes) {
      if (this.writes.size <= this.options.maxRemembered && write.atMs >= oldest) break;
      if (write.settled) this.writes.delete(key);
    }
  }
}
