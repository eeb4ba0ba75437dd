import type { Admin } from 'kafkajs';

/** Records of `topic` that `groupId` has committed, over all partitions. */
export async function committedRecords(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce(
    (sum, partition) => sum + Math.max(0, Number(partition.offset)),
    0,
  );
}

/** Records written to `topic` so far, over all partitions. */
export async function producedRecords(admin: Admin, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.reduce((sum, partition) => sum + Number(partition.high), 0);
}
