import { defineLuaScripts, readLuaScript } from '@budgetwatch/redis';
import type { ChainableCommander, Redis } from 'ioredis';

/** Script name -> source; registered per connection with ioredis (EVALSHA, loaded on demand). */
const SCRIPTS = {
  applySeriesDelta: { keys: 2, source: readLuaScript('apply-series-delta-2', import.meta.url) },
} as const;

export type ApplySeriesDeltaReply = [number, number];

/** The typed commands the scripts add to a client. */
export interface WindowScriptCommands {
  applySeriesDelta(
    fineKey: string,
    coarseKey: string,
    ...args: (string | number)[]
  ): Promise<ApplySeriesDeltaReply>;
}

/** A pipeline of a scripted client: script calls queue like other commands. */
export interface ScriptedPipeline extends ChainableCommander {
  applySeriesDelta(fineKey: string, coarseKey: string, ...args: (string | number)[]): ScriptedPipeline;
}

export type ScriptedRedis = Omit<Redis, 'pipeline'> &
  WindowScriptCommands & {
    pipeline(): ScriptedPipeline;
  };

export function registerWindowScripts(client: Redis): ScriptedRedis {
  defineLuaScripts(client, SCRIPTS);
  return client as unknown as ScriptedRedis;
}
