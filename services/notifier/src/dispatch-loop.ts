import type { Logger } from '@budgetwatch/logger';
import { traced } from '@budgetwatch/telemetry';
import type { Dispatcher } from './dispatcher.js';

/** Looks for due servers every `pollMs` and dispatches them, one pass at a time. */
export class DispatchLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly logger: Logger,
    private readonly pollMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running !== undefined || this.stopped) return;
      this.running = this.dispatcher
        .dueServers()
        .then((due) =>
          due.length === 0
            ? undefined
            : traced('notifier dispatch', { servers: due.length }, () =>
                this.dispatcher.dispatchServers(due),
              ),
        )
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error({ err: error }, 'dispatch failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.pollMs);
    this.timer.unref();
  }

  /** Stops looking and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
