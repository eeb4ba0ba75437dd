export { connectRedis, createRedis, RedisConnectionError } from './create-redis.js';
export { defineLuaScripts, type LuaScript, luaScriptUrl, readLuaScript } from './lua-scripts.js';
export { redisClientOptions } from './redis-client-options.js';
