import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-client.js';

/** A Lua script run as a custom command (EVALSHA, loaded on demand by ioredis). */
export interface LuaScript {
  keys: number;
  source: string;
}

/**
 * Where a package keeps script `name`, from the URL of one of its modules in `src/redis/` or the
 * built `dist/redis/`: both sit two levels below the package root, and the scripts ship only in
 * `src/redis/lua`.
 */
export function luaScriptUrl(name: string, moduleUrl: string): URL {
  return new URL(`../../src/redis/lua/${name}.lua`, moduleUrl);
}

export function readLuaScript(name: string, moduleUrl: string): string {
  return readFileSync(luaScriptUrl(name, moduleUrl), 'utf8');
}

/** Adds each script to the client as a command of its name (once per client). */
export function defineLuaScripts(client: RedisClient, scripts: Readonly<Record<string, LuaScript>>): void {
  for (const [name, script] of Object.entries(scripts)) {
    if (!(name in client)) client.defineCommand(name, { numberOfKeys: script.keys, lua: script.source });
  }
}
