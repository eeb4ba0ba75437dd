import { createHash } from 'node:crypto';

/**
 * How long a span record's content is remembered, so that a second copy of it counts nothing
 * (docs/operations.md, Delivery guarantees): longer than the Collector's exporter keeps retrying a
 * batch (5 minutes by default) and than an OTLP exporter retries an export.
 */
export const DEFAULT_DEDUPE_WINDOW_MS = 10 * 60_000;

/**
 * The content key of a span record: 128 bits of a SHA-256 of its bytes, base64url (22
 * characters). The same bytes are the same spans; two different records share a key with a
 * chance of about 2^-64 after 2^32 records.
 */
export function recordContentKey(value: Uint8Array): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
}

/** A record of a batch whose content is to be claimed: its index in the batch and its key. */
export interface ContentToClaim {
  index: number;
  contentKey: string;
}

export interface BatchCopies {
  /** The first record of each content in the batch: whether it counts is the claim's answer. */
  toClaim: ContentToClaim[];
  /** Indexes of later copies of a content already in the batch: never counted here. */
  copies: number[];
}

/**
 * Which records of one batch to claim. A record without content (null or empty) is not claimed:
 * it has no spans to count twice, and goes on as it is (to the dead letters).
 */
export function copiesInBatch(values: readonly (Uint8Array | null)[]): BatchCopies {
  const toClaim: ContentToClaim[] = [];
  const copies: number[] = [];
  const seen = new Set<string>();
  values.forEach((value, index) => {
    if (value === null || value.length === 0) return;
    const contentKey = recordContentKey(value);
    if (seen.has(contentKey)) {
      copies.push(index);
      return;
    }
    seen.add(contentKey);
    toClaim.push({ index, contentKey });
  });
  return { toClaim, copies };
}
