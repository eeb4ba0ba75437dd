import { RedisRuleStateStore } from '@budgetwatch/evaluator';
import { ruleStateStoreContract } from '@budgetwatch/evaluator/contract';
import { useRedisNamespace } from '../support/redis.js';

const namespace = await useRedisNamespace('rule-state-contract');

// The in-memory adapter runs the same contract in the unit tier.
ruleStateStoreContract(
  'Redis',
  (label) => new RedisRuleStateStore(namespace.client, `${namespace.prefix}${label}:`),
);
