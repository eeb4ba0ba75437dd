import { defineLuaScripts, type RedisClient, readLuaScript } from '@budgetwatch/redis';
import type { ChainableCommander } from 'ioredis';

/** Script name -> source; registered per connection with ioredis (EVALSHA, loaded on demand). */
const SCRIPTS = {
  applySeriesDelta: { keys: 4, source: readLuaScript('apply-series-delta-4', import.meta.url) },
  pruneSeriesIndex: { keys: 1, source: readLuaScript('prune-series-index-1', import.meta.url) },
  forgetSeriesKeys: { keys: 4, source: readLuaScript('forget-series-keys-1', import.meta.url) },
  admitSeries: { keys: 3, source: readLuaScript('admit-series-1', import.meta.url) },
  releaseSeries: { keys: 3, source: readLuaScript('release-series-1', import.meta.url) },
} as const;

export type ApplySeriesDeltaReply = [number, number];

/** The four keys of one series, in the scripts' order. */
export type SeriesKeys = [
  fineCounts: string,
  fineSketches: string,
  coarseCounts: string,
  coarseSketches: string,
];

/** The admission keys, in the scripts' order. */
export type AdmissionKeys = [toolSeries: string, servers: string, unregisteredServers: string];

/** The typed commands the scripts add to a client. */
export interface WindowScriptCommands {
  applySeriesDelta(...keysThenArgs: [...SeriesKeys, ...(string | number)[]]): Promise<ApplySeriesDeltaReply>;
  /** The ids taken off the index (prune-series-index-1.lua). */
  pruneSeriesIndex(index: string, cutoffMs: number, limit: number): Promise<string[]>;
  /** A verdict code per series (admit-series-1.lua). */
  admitSeries(...keysThenArgs: [...AdmissionKeys, ...(string | number)[]]): Promise<number[]>;
  /** How many tool series were freed (release-series-1.lua). */
  releaseSeries(...keysThenArgs: [...AdmissionKeys, ...string[]]): Promise<number>;
}

/** A pipeline of a scripted client: script calls queue like other commands. */
export interface ScriptedPipeline extends ChainableCommander {
  applySeriesDelta(...keysThenArgs: [...SeriesKeys, ...(string | number)[]]): ScriptedPipeline;
  forgetSeriesKeys(
    ...keysThenArgs: [...SeriesKeys, lastWriteField: string, cutoffMs: number]
  ): ScriptedPipeline;
}

export type ScriptedRedis = Omit<RedisClient, 'pipeline'> &
  WindowScriptCommands & {
    pipeline(): ScriptedPipeline;
  };

export function registerWindowScripts(client: RedisClient): ScriptedRedis {
  defineLuaScripts(client, SCRIPTS);
  return client as unknown as ScriptedRedis;
}
