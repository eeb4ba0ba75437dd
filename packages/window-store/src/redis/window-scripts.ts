import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Where a script lives, from this module's URL. Both `src/redis/` and the built `dist/redis/` are
 * two levels below the package root, and the scripts ship only in `src/redis/lua`.
 */
export function luaScriptUrl(name: string, moduleUrl: string = import.meta.url): URL {
  return new URL(`../../src/redis/lua/${name}.lua`, moduleUrl);
}

function readScript(name: string): string {
  return readFileSync(luaScriptUrl(name), 'utf8');
}

/** Script name -> source; registered per connection with ioredis (EVALSHA, loaded on demand). */
const SCRIPTS = {
  applySeriesDelta: { keys: 2, source: readScript('apply-series-delta-2') },
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
  for (const [name, script] of Object.entries(SCRIPTS)) {
    if (!(name in client)) client.defineCommand(name, { numberOfKeys: script.keys, lua: script.source });
  }
  return client as unknown as ScriptedRedis;
}
