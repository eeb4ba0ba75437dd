/** setTimeout's longest delay; a later expiry is simply re-checked when this one fires. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * Runs `expire` when the book's next timed lift ends (DecisionBook.nextExpiryMs), then looks for
 * the next one. The book has no clock of its own: whoever folds events into it owns this timer and
 * calls `schedule` after every change, so a lift added or ended earlier moves the timer.
 */
export class LiftExpiryTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly nextExpiryMs: () => number | null,
    /** Expires what is due and publishes the changes; it must not throw. */
    private readonly expire: (nowMs: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  schedule(): void {
    this.cancel();
    const at = this.nextExpiryMs();
    if (at === null) return;
    const delay = Math.min(Math.max(0, at - this.now()), MAX_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expire(this.now());
      this.schedule();
    }, delay);
    // A pending expiry never keeps a stopping process alive.
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
