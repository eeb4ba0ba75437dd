import { defineLuaScripts, type RedisClient, readLuaScript } from '@budgetwatch/redis';

const SCRIPTS = {
  transitionRuleState: { keys: 1, source: readLuaScript('transition-rule-state-1', import.meta.url) },
  clearOutbox: { keys: 1, source: readLuaScript('clear-outbox-1', import.meta.url) },
} as const;

export type RuleStateRedis = RedisClient & {
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

export function registerRuleStateScripts(client: RedisClient): RuleStateRedis {
  defineLuaScripts(client, SCRIPTS);
  return client as RuleStateRedis;
}
