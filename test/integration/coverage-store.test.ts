import { RedisCoverageStore } from '@budgetwatch/window-store';
import { coverageStoreContract } from '@budgetwatch/window-store/coverage-contract';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('coverage-store');

// The in-memory store runs the same contract in the unit tier.
coverageStoreContract(
  'Redis',
  (label) => new RedisCoverageStore(namespace.client, `${namespace.prefix}${label}:`),
);
