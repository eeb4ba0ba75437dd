/**
 * A write forgets quiet series at most this often per store: often enough that the index and
 * memory follow the lifetimes within a minute, rarely enough that writes do not pay for it.
 */
export const FORGET_EVERY_MS = 60_000;

/** When a write should also forget quiet series (see `FORGET_EVERY_MS`). */
export class ForgetSchedule {
  private lastMs = Number.NEGATIVE_INFINITY;

  /** True when a write at `nowMs` should forget; the pass then counts as done. */
  due(nowMs: number): boolean {
    if (nowMs - this.lastMs < FORGET_EVERY_MS) return false;
    this.lastMs = nowMs;
    return true;
  }
}
