import type { BudgetwatchEvent } from '@budgetwatch/events';
import { DispatchLoop } from './dispatch-loop.js';
import { Dispatcher, type DispatcherOptions, type NotifierMetrics } from './dispatcher.js';
import { EventIntake } from './event-intake.js';

export interface InProcessNotifierOptions extends DispatcherOptions {
  dispatchPollMs?: number;
}

/**
 * The notifier of the all-in-one mode: the same intake, planner and dispatcher as the Kafka
 * notifier, fed by the in-process event bus instead of a consumer group.
 */
export class InProcessNotifier {
  private readonly dispatcher: Dispatcher;
  private readonly intake: EventIntake;
  private readonly loop: DispatchLoop;

  constructor(private readonly options: InProcessNotifierOptions) {
    this.dispatcher = new Dispatcher(options);
    this.intake = new EventIntake({
      store: options.store,
      deadLetters: null,
      groupWaitMs: options.groupWaitMs,
      metrics: this.dispatcher.metrics,
      logger: options.logger,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    this.loop = new DispatchLoop(this.dispatcher, options.logger, options.dispatchPollMs);
  }

  get metrics(): NotifierMetrics {
    return this.dispatcher.metrics;
  }

  /** Subscribe this to the event bus: positions on the bus order a server's events. */
  readonly take = (event: BudgetwatchEvent, position: number): Promise<void> =>
    this.intake.takeEvent(event, 0, String(position));

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.options.email?.close();
  }
}
