import { RedisNotifierStore, RedisSilenceStore } from '@budgetwatch/notifier';
import { notifierStoreContract } from '@budgetwatch/notifier/contract';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('notifier-store-contract');

// The in-memory adapters run the same contract in the unit tier.
notifierStoreContract('Redis', (label) => ({
  store: new RedisNotifierStore(namespace.client, `${namespace.prefix}${label}:`),
  silences: new RedisSilenceStore(namespace.client, `${namespace.prefix}${label}:`),
}));
