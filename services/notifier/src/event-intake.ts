import { seriesId } from '@budgetwatch/domain';
import { type BudgetwatchEvent, parseBudgetwatchEvent } from '@budgetwatch/events';
import type { LazyProducer } from '@budgetwatch/kafka';
import { deadLetterMessage } from '@budgetwatch/kafka';
import type { Logger } from '@budgetwatch/logger';
import type { KafkaMessage } from 'kafkajs';
import type { NotifierMetrics } from './dispatcher.js';
import type { NotifierStore } from './notifier-store.js';

export interface EventIntakeOptions {
  store: NotifierStore;
  /** Where unreadable event records go; none when events come parsed (in process). */
  deadLetters: { producer: Pick<LazyProducer, 'send'>; topic: string } | null;
  groupWaitMs: number;
  metrics: NotifierMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * One record of budgetwatch.events into its server's pending queue in Redis: the record's offset
 * is committed only after that write, and sending happens later, so a sink that is down never holds
 * up consumption and a crash loses nothing.
 */
export class EventIntake {
  private readonly now: () => number;

  constructor(private readonly options: EventIntakeOptions) {
    this.now = options.now ?? Date.now;
  }

  async take(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const parsed = parseBudgetwatchEvent(message.value);
    if ('reason' in parsed) {
      this.options.metrics.deadLetters += 1;
      const deadLetters = this.options.deadLetters;
      if (deadLetters === null) throw new Error(`unreadable event record: ${parsed.reason}`);
      this.options.logger.warn(
        { topic, partition, offset: message.offset, reason: parsed.reason, detail: parsed.detail },
        'event record dead-lettered',
      );
      await deadLetters.producer.send({
        topic: deadLetters.topic,
        messages: [
          deadLetterMessage(
            { record: { key: message.key, value: message.value, offset: message.offset }, ...parsed },
            topic,
            partition,
          ),
        ],
      });
      return;
    }
    await this.takeEvent(parsed.event, partition, message.offset);
  }

  /** An event (already parsed) into its server's pending queue, unless it is already notified. */
  async takeEvent(event: BudgetwatchEvent, partition: number, offset: string): Promise<void> {
    if (await this.options.store.isDone(event.id)) {
      this.options.metrics.eventsAlreadyNotified += 1;
      return;
    }
    const serverKey = seriesId({ server: event.data.server, tool: null, drill: event.data.drill });
    await this.options.store.enqueue(
      serverKey,
      { event, partition, offset },
      this.now() + this.options.groupWaitMs,
    );
    this.options.metrics.eventsQueued += 1;
  }
}
