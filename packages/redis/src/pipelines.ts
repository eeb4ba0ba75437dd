import { type ChainableCommander, Cluster } from 'ioredis';
import { keySlot } from './key-slot.js';
import type { RedisClient } from './redis-client.js';

/** Commands about one key's slot; `queue` may add several, all on keys of that slot. */
export interface SlotCommands<P extends ChainableCommander> {
  key: string;
  queue(pipeline: P): void;
}

export type PipelineReply = [error: Error | null, result: unknown];

/**
 * Runs commands in as few round trips as the deployment allows: one pipeline on a single server;
 * on a cluster, where a pipeline may not span nodes, one pipeline per node, sent together.
 * `newPipeline` makes a pipeline of `client` (typed with its scripts). The replies come back per
 * entry of `commands`, in order.
 */
export async function execPipelines<P extends ChainableCommander>(
  client: RedisClient,
  newPipeline: () => P,
  commands: readonly SlotCommands<P>[],
): Promise<PipelineReply[][]> {
  const groups = new Map<string, number[]>();
  commands.forEach((entry, index) => {
    const group = nodeGroup(client, entry.key);
    const members = groups.get(group);
    if (members === undefined) groups.set(group, [index]);
    else members.push(index);
  });
  const replies: PipelineReply[][] = commands.map(() => []);
  await Promise.all(
    [...groups.values()].map(async (members) => {
      const pipeline = newPipeline();
      const counts = members.map((index) => {
        const before = pipeline.length;
        commands[index]?.queue(pipeline);
        return pipeline.length - before;
      });
      const results = (await pipeline.exec()) ?? [];
      let next = 0;
      members.forEach((index, k) => {
        const count = counts[k] ?? 0;
        replies[index] = results.slice(next, next + count);
        next += count;
      });
    }),
  );
  return replies;
}

/**
 * Which pipeline a key's commands join: the nodes serving its slot, as the client last learnt
 * them. Before it has learnt the slot map, each slot is its own group (always on one node).
 */
function nodeGroup(client: RedisClient, key: string): string {
  if (!(client instanceof Cluster)) return '';
  const slot = keySlot(key);
  return client.slots[slot]?.join(',') ?? `slot ${slot}`;
}
