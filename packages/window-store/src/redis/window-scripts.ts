import { defineLuaScripts, type RedisClient, readLuaScript } from '@budgetwatch/redis';
import type { ChainableCommander } from 'ioredis';

/** Script name -> source; registered per connection with ioredis (EVALSHA, loaded on demand). */
const SCRIPTS = {
  applySeriesDelta: { keys: 4, source: readLuaScript('apply-series-delta-3', import.meta.url) },
} as const;

export type ApplySeriesDeltaReply = [number, number];

/** The four keys of one series, in the script's order. */
export type SeriesKeys = [
  fineCounts: string,
  fineSketches: string,
  coarseCounts: string,
  coarseSketches: string,
];

/** The typed commands the scripts add to a client. */
export interface WindowScriptCommands {
  applySeriesDelta(...keysThenArgs: [...SeriesKeys, ...(string | number)[]]): Promise<ApplySeriesDeltaReply>;
}

/** A pipeline of a scripted client: script calls queue like other commands. */
export interface ScriptedPipeline extends ChainableCommander {
  applySeriesDelta(...keysThenArgs: [...SeriesKeys, ...(string | number)[]]): ScriptedPipeline;
}

export type ScriptedRedis = Omit<RedisClient, 'pipeline'> &
  WindowScriptCommands & {
    pipeline(): ScriptedPipeline;
  };

export function registerWindowScripts(client: RedisClient): ScriptedRedis {
  defineLuaScripts(client, SCRIPTS);
  return client as unknown as ScriptedRedis;
}
