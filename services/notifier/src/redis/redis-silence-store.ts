import type { Silence } from '@budgetwatch/alerting';
import type { RedisClient } from '@budgetwatch/redis';
import { type SilenceRecords, SilenceStore } from '../silence-store.js';
import { NotifierKeys } from './notifier-keys.js';

/** Silences in one Redis hash, id -> JSON. */
class RedisSilenceRecords implements SilenceRecords {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = new NotifierKeys(prefix).silences();
  }

  async all(): Promise<Silence[]> {
    return Object.values(await this.redis.hgetall(this.key)).map((text) => JSON.parse(text) as Silence);
  }

  async get(id: string): Promise<Silence | undefined> {
    const text = await this.redis.hget(this.key, id);
    return text === null ? undefined : (JSON.parse(text) as Silence);
  }

  async put(silence: Silence): Promise<void> {
    await this.redis.hset(this.key, silence.id, JSON.stringify(silence));
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.hdel(this.key, ...ids);
  }
}

/** The silences of every notifier and the API sharing one Redis. */
export class RedisSilenceStore extends SilenceStore {
  constructor(redis: RedisClient, prefix: string, now: () => number = Date.now) {
    super(new RedisSilenceRecords(redis, prefix), now);
  }
}
