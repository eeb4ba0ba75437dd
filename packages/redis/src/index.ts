export { connectRedis, createRedis, RedisConnectionError } from './create-redis.js';
export { defineLuaScripts, type LuaScript, luaScriptUrl, readLuaScript } from './lua-scripts.js';
export { execPipelines, type PipelineReply, type SlotCommands } from './pipelines.js';
export { RedisLocks } from './redis/redis-lock.js';
export { dataNodes, type RedisClient } from './redis-client.js';
export {
  type RedisClusterSettings,
  redisClientOptions,
  redisClusterSettings,
} from './redis-client-options.js';
