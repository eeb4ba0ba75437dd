import { consumerTiming, LazyProducer, TimedOffsetCommitter } from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import type { Consumer, Kafka } from 'kafkajs';
import { DispatchLoop } from './dispatch-loop.js';
import { Dispatcher, type DispatcherOptions, type NotifierMetrics } from './dispatcher.js';
import { EventIntake } from './event-intake.js';

export interface NotifierOptions extends DispatcherOptions {
  kafka: Kafka;
  eventsTopic: string;
  deadLetterTopic: string;
  groupId: string;
  /** How often consumed offsets are committed; events are safe in Redis before that. */
  commitIntervalMs?: number;
  /** How long the group waits for a silent (crashed) member (kafkajs default 30000). */
  sessionTimeoutMs?: number;
  /** How often due servers are looked for. */
  dispatchPollMs?: number;
  /**
   * How long a fetch waits for new events before it returns empty (kafkajs maxWaitTimeInMs,
   * default 5000). stop() waits for the fetch in flight.
   */
  fetchMaxWaitMs?: number;
  logger: Logger;
}

/** The notifier service: its own consumer group on budgetwatch.events, and the dispatch loop. */
export class Notifier {
  private readonly dispatcher: Dispatcher;
  private readonly consumer: Consumer;
  /** The dead letters' producer: one whose send failed is replaced (a broker back after a stall). */
  private readonly producer: LazyProducer;
  private readonly offsets: TimedOffsetCommitter;
  private readonly loop: DispatchLoop;
  private started = false;
  private stopped = false;
  private inFlight = 0;

  constructor(private readonly options: NotifierOptions) {
    this.dispatcher = new Dispatcher(options);
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      ...consumerTiming(options.sessionTimeoutMs, options.fetchMaxWaitMs),
    });
    this.producer = new LazyProducer(options.kafka);
    this.offsets = new TimedOffsetCommitter(this.consumer, options.logger);
    this.loop = new DispatchLoop(this.dispatcher, options.logger, options.dispatchPollMs);
  }

  get metrics(): NotifierMetrics {
    return this.dispatcher.metrics;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.eventsTopic, fromBeginning: true });
    const intake = new EventIntake({
      store: this.options.store,
      deadLetters: { producer: this.producer, topic: this.options.deadLetterTopic },
      groupWaitMs: this.options.groupWaitMs,
      metrics: this.dispatcher.metrics,
      logger: this.options.logger,
      ...(this.options.now === undefined ? {} : { now: this.options.now }),
    });
    await this.consumer.run({
      // Committed on a timer (and on shutdown) once each event is safe in Redis.
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        this.inFlight += 1;
        try {
          await intake.take(topic, partition, message);
          this.offsets.processedUpTo(topic, partition, message.offset);
        } finally {
          this.inFlight -= 1;
        }
      },
    });
    this.offsets.start(this.options.commitIntervalMs ?? 5000);
    this.loop.start();
    this.started = true;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const dispatching = this.loop.stop();
    if (this.started) {
      // Stop fetching and let the record in hand finish, then commit while still in the group.
      this.consumer.pause([{ topic: this.options.eventsTopic }]);
      while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await this.offsets.stop();
    }
    await this.consumer.disconnect();
    await dispatching;
    await this.producer.close();
    this.options.email?.close();
  }
}
