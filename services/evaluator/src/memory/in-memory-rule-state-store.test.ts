import { ruleStateStoreContract } from '../rule-state-store.contract.js';
import { InMemoryRuleStateStore } from './in-memory-rule-state-store.js';

ruleStateStoreContract('in-memory', () => new InMemoryRuleStateStore());
