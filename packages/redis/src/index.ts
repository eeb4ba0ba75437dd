export { connectRedis, createRedis, RedisConnectionError } from './create-redis.js';
export { defineLuaScripts, type LuaScript, luaScriptUrl, readLuaScript } from './lua-scripts.js';
export { RedisLocks } from './redis/redis-lock.js';
export { redisClientOptions } from './redis-client-options.js';
