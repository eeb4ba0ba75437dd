import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** Both `src/redis/` and the built `dist/redis/` sit two levels below the package root. */
function readScript(name: string): string {
  return readFileSync(new URL(`../../src/redis/lua/${name}.lua`, import.meta.url), 'utf8');
}

const SCRIPTS = {
  transitionRuleState: { keys: 1, source: readScript('transition-rule-state-1') },
  clearOutbox: { keys: 1, source: readScript('clear-outbox-1') },
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
  for (const [name, script] of Object.entries(SCRIPTS)) {
    if (!(name in client)) client.defineCommand(name, { numberOfKeys: script.keys, lua: script.source });
  }
  return client as RuleStateRedis;
}
