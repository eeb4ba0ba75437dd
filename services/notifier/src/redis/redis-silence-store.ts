import { randomUUID } from 'node:crypto';
import { isSilenceActive, type Silence, type SilenceMatchers, silenceProblems } from '@budgetwatch/alerting';
import type { RedisClient } from '@budgetwatch/redis';
import { NotifierKeys } from './notifier-keys.js';

export interface NewSilence {
  matchers: SilenceMatchers;
  startsAt?: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export class SilenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SilenceError';
  }
}

/** Expired silences stay listed this long, then are dropped. */
const EXPIRED_KEPT_MS = 7 * 24 * 3_600_000;

/** Silences in one Redis hash (id -> JSON): few, read by every dispatch, changed by people. */
export class RedisSilenceStore {
  private readonly keys: NotifierKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new NotifierKeys(prefix);
  }

  async create(input: NewSilence): Promise<Silence> {
    const createdAt = new Date(this.now()).toISOString();
    const silence: Silence = {
      id: `sil-${randomUUID()}`,
      matchers: Object.fromEntries(Object.entries(input.matchers).filter(([, value]) => value !== undefined)),
      startsAt: input.startsAt ?? createdAt,
      endsAt: input.endsAt,
      createdBy: input.createdBy,
      comment: input.comment,
      createdAt,
    };
    const problems = silenceProblems(silence);
    if (input.createdBy.trim() === '') problems.push('a silence needs an author');
    if (input.comment.trim() === '') problems.push('a silence needs a comment');
    if (Date.parse(silence.endsAt) <= this.now()) problems.push('endsAt must be in the future');
    if (problems.length > 0) throw new SilenceError(problems.join('; '));
    await this.redis.hset(this.keys.silences(), silence.id, JSON.stringify(silence));
    return silence;
  }

  /** Every silence, active first, expired ones for a week after they ended. */
  async list(): Promise<(Silence & { state: 'active' | 'pending' | 'expired' })[]> {
    const now = this.now();
    const all = Object.values(await this.redis.hgetall(this.keys.silences())).map(
      (text) => JSON.parse(text) as Silence,
    );
    const stale = all.filter((silence) => Date.parse(silence.endsAt) + EXPIRED_KEPT_MS < now);
    if (stale.length > 0) await this.redis.hdel(this.keys.silences(), ...stale.map((silence) => silence.id));
    const order = { active: 0, pending: 1, expired: 2 } as const;
    return all
      .filter((silence) => !stale.includes(silence))
      .map((silence) => ({
        ...silence,
        state: isSilenceActive(silence, now)
          ? ('active' as const)
          : Date.parse(silence.startsAt) > now
            ? ('pending' as const)
            : ('expired' as const),
      }))
      .sort((a, b) => order[a.state] - order[b.state] || a.endsAt.localeCompare(b.endsAt));
  }

  /** The silences that may mute something now. */
  async active(): Promise<Silence[]> {
    const now = this.now();
    return (await this.list()).filter(
      (silence) => silence.state === 'active' || Date.parse(silence.startsAt) > now,
    );
  }

  /** Ends a silence now; it stays listed as expired. */
  async expire(id: string): Promise<Silence> {
    const text = await this.redis.hget(this.keys.silences(), id);
    if (text === null) throw new SilenceError(`no silence ${id}`);
    const silence = JSON.parse(text) as Silence;
    const now = this.now();
    if (Date.parse(silence.endsAt) > now) {
      silence.endsAt = new Date(now).toISOString();
      if (Date.parse(silence.startsAt) > now) silence.startsAt = silence.endsAt;
      await this.redis.hset(this.keys.silences(), id, JSON.stringify(silence));
    }
    return silence;
  }
}
