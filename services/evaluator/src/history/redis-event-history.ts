import type { BudgetwatchEvent } from '@budgetwatch/events';
import type { RedisClient } from '@budgetwatch/redis';
import { distinctEvents, type EventHistory, HISTORY_LENGTH } from './event-history.js';

/** The history as one capped Redis list, `<prefix>events:history`, newest first. */
export class RedisEventHistory implements EventHistory {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = `${prefix}events:history`;
  }

  async append(events: readonly BudgetwatchEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.redis
      .multi()
      .lpush(this.key, ...events.map((event) => JSON.stringify(event)))
      .ltrim(this.key, 0, HISTORY_LENGTH - 1)
      .exec();
  }

  async recent(limit: number): Promise<BudgetwatchEvent[]> {
    const texts = await this.redis.lrange(this.key, 0, HISTORY_LENGTH - 1);
    return distinctEvents(
      texts.map((text) => JSON.parse(text) as BudgetwatchEvent),
      limit,
    );
  }
}
