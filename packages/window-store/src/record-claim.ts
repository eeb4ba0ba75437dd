import type { SourcePartition } from './window-store.js';

/** A span record's content and the position it was read at (see WindowStore.claimRecords). */
export interface RecordClaim {
  /** recordContentKey of the record's bytes. */
  contentKey: string;
  source: SourcePartition;
  offset: number;
}

/** What a claim holds: the position, as both adapters compare it. Topic names never hold a `/`. */
export function claimPosition(claim: RecordClaim): string {
  return `${claim.source.topic}/${claim.source.partition}/${claim.offset}`;
}
