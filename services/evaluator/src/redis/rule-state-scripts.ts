import { defineLuaScripts, readLuaScript } from '@budgetwatch/redis';
import type { Redis } from 'ioredis';

const SCRIPTS = {
  transitionRuleState: { keys: 1, source: readLuaScript('transition-rule-state-1', import.meta.url) },
  clearOutbox: { keys: 1, source: readLuaScript('clear-outbox-1', import.meta.url) },
} as const;

export type RuleStateRedis = Redis & {
  transitionRuleState(
    key: string,
    ruleId: string,
    expectedVersion: number,
    state: string,
    events: string,
    nowMs: number,
  ): Promise<[number, number]>;
  clearOutbox(key: string, ruleId: string, published: string): Promise<number>;
};

export function registerRuleStateScripts(client: Redis): RuleStateRedis {
  defineLuaScripts(client, SCRIPTS);
  return client as RuleStateRedis;
}
