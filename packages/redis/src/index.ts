export { connectRedis, createRedis, RedisConnectionError } from './create-redis.js';
export { redisClientOptions } from './redis-client-options.js';
