import { Cluster, type Redis } from 'ioredis';

/** A connection to Budgetwatch's Redis: one server, or a Redis Cluster (`redis.cluster`). */
export type RedisClient = Redis | Cluster;

/** The servers holding the data: every master of a cluster, or the one server. */
export function dataNodes(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
