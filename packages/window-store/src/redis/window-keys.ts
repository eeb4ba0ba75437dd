import type { Resolution } from '@budgetwatch/domain';
import type { SourcePartition } from '../window-store.js';

/**
 * Every Redis key the window store uses. A series' keys carry its id as the hash tag `{...}`, so
 * one atomic script touching them runs on one Redis Cluster slot. Series ids never contain braces
 * (names are percent-encoded), so the tag is exactly the id.
 */
export class WindowKeys {
  constructor(private readonly prefix: string) {}

  /** The counter ring of one resolution: fixed-width binary slots (see apply-series-delta-3.lua). */
  counts(seriesId: string, resolution: Resolution): string {
    return `${this.prefix}w:{${seriesId}}:${resolution.name}:counts`;
  }

  /** The latency sketches of one resolution, a field per slot; the coarse one also holds fences. */
  sketches(seriesId: string, resolution: Resolution): string {
    return `${this.prefix}w:{${seriesId}}:${resolution.name}:sketches`;
  }

  /** Sorted set of series ids scored by last write time; written separately (idempotent). */
  activeSeries(): string {
    return `${this.prefix}series:active`;
  }

  fenceField(source: SourcePartition): string {
    return `o:${source.topic}:${source.partition}`;
  }
}
